import AsyncHTTPClient
import Auth
import ChatModels
import EventBus
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Redis
import ServiceClients
import ServiceKit
import ServiceLifecycle

/// The Uploads service: file bytes on disk. An upload streams to a temporary file (limited,
/// hashed, sniffed), is fsynced and moved into place, then becomes an IMAGE or FILE message
/// through the durable command stream; members download it with ranges and safe headers.
public func buildApplication(configuration: UploadsConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "uploads")
    logger.logLevel = configuration.logLevel
    let group = MultiThreadedEventLoopGroup.singleton
    let metrics = ServiceMetrics()
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: logger)
    let tokens = await TokenAuthority(settings: configuration.auth)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group))
    let store = BlobStore(root: configuration.directory)
    try store.prepare()
    let avatars = BlobStore(root: configuration.directory + "/avatars")
    try avatars.prepare()

    let commands = CommandClient(
        redis: redis,
        configuration: configuration.redis,
        eventLoopGroup: group,
        instanceID: configuration.instanceID,
        timeout: configuration.sendTimeout,
        streams: configuration.commandStreams,
        logger: logger
    )
    let messages = MessagesClient(
        client: httpClient,
        endpoint: configuration.messages,
        serviceToken: ServiceTokenCache(tokens: tokens, service: "uploads").token
    )
    let sweepers: [any Service] = [store, avatars].map {
        OrphanSweeper(store: $0, messages: messages, grace: configuration.orphanGrace, every: configuration.sweepEvery, logger: logger)
    }

    let revocations = RevocationFeed(redis: redis, tokens: tokens, eventLoopGroup: group, logger: logger)
    let router = ServiceRouter.make(
        metrics: metrics,
        checks: [
            ReadinessCheck("redis", redis.ping),
            .revocations(tokens),
            ReadinessCheck("disk") {
                guard access(store.temporaryDirectory, W_OK) == 0 else { throw APIError.unavailable("The uploads directory is not writable") }
            },
        ]
    )
    let api = router.group(RouterPath(UploadsAPI.group)).add(middleware: AuthMiddleware(tokens: tokens))
    UploadRoutes(
        receiver: UploadReceiver(store: store, maxBytes: configuration.maxUploadBytes),
        messages: messages,
        commands: commands
    ).register(on: api)
    DownloadRoutes(store: store, messages: messages).register(on: api)
    let pictures = AvatarRoutes(store: avatars, messages: messages, maxBytes: configuration.maxAvatarBytes)
    pictures.register(on: router.group(RouterPath(UploadsAPI.avatar.group)).add(middleware: AuthMiddleware(tokens: tokens)))
    pictures.register(chat: api)

    return Application(
        router: router,
        server: configuration.http.server,
        configuration: configuration.http.application(serverName: "uploads"),
        services: [redis, commands, HTTPClientService(client: httpClient), revocations] + sweepers,
        logger: logger
    )
}
