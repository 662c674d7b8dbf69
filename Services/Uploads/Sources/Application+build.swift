import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Redis
import ServiceKit

#if canImport(Glibc)
import Glibc
#endif

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

    let commands = CommandClient(redis: redis, instanceID: configuration.instanceID, timeout: configuration.sendTimeout, eventLoop: group.next())
    let replies = RedisSubscriber(configuration: configuration.redis, eventLoopGroup: group, logger: logger) { event in
        switch event {
        case .message(let message): BusEnvelope(decoding: message.payload).map(commands.receive)
        case .disconnected: commands.repliesInterrupted()
        case .resubscribed: commands.repliesResumed()
        }
    }
    let attachments = AttachmentsAPI(client: httpClient, base: configuration.messagesURL, token: ServiceTokenCache(tokens: tokens, service: "uploads"))
    let sweeper = OrphanSweeper(store: store, attachments: attachments, grace: configuration.orphanGrace, every: configuration.sweepEvery, logger: logger)

    let router = ServiceRouter.make(
        metrics: metrics,
        checks: [
            .redis(redis),
            ReadinessCheck("disk") {
                guard access(store.temporaryDirectory, W_OK) == 0 else { throw APIError.unavailable("The uploads directory is not writable") }
            },
        ]
    )
    let api = router.group("api").add(middleware: AuthMiddleware(tokens: tokens))
    UploadRoutes(
        receiver: UploadReceiver(store: store, maxBytes: configuration.maxUploadBytes),
        messages: MessagesAPI(client: httpClient, base: configuration.messagesURL, timeout: .seconds(5)),
        commands: commands
    ).register(on: api)
    DownloadRoutes(store: store, attachments: attachments).register(on: api)

    var app = Application(
        router: router,
        configuration: configuration.http.application(serverName: "uploads"),
        services: [redis, replies, HTTPClientService(client: httpClient), sweeper],
        logger: logger
    )
    app.beforeServerStarts {
        try await replies.subscribe([commands.channel])
    }
    return app
}
