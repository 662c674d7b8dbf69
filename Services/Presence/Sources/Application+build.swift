import AsyncHTTPClient
import Auth
import EventBus
import Hummingbird
import Logging
import NIOPosix
import Redis
import ServiceClients
import ServiceKit

/// The Presence service: who is online and who is typing, all of it in Redis. It works
/// through what gateways report on the `presence:events` stream, sweeps expired typing
/// and dead gateways, tells the users concerned, answers `GET /api/presence`, and hands out
/// the STUN and TURN servers calls use.
public func buildApplication(configuration: PresenceConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "presence")
    logger.logLevel = configuration.logLevel
    let group = MultiThreadedEventLoopGroup.singleton
    let metrics = ServiceMetrics()
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: logger)
    let streamRedis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: logger)
    let tokens = await TokenAuthority(settings: configuration.auth)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group))

    let store = PresenceStore(redis: redis)
    let contacts = ContactsClient(
        messages: MessagesClient(
            client: httpClient,
            endpoint: configuration.messages,
            serviceToken: ServiceTokenCache(tokens: tokens, service: "presence").token
        )
    )
    let announcer = PresenceAnnouncer(bus: ChatBus(redis: redis), contacts: contacts, logger: logger)
    let consumer = PresenceConsumer(
        stream: StreamConsumer(
            redis: streamRedis,
            stream: PresenceStream.key,
            group: PresenceStream.group,
            settings: configuration.stream,
            logger: logger
        ),
        store: store,
        announcer: announcer,
        typingTTL: configuration.typingTTL,
        logger: logger
    )
    let sweeper = PresenceSweeper(
        store: store,
        announcer: announcer,
        gatewayDeadAfter: configuration.gatewayDeadAfter,
        every: configuration.sweepEvery,
        logger: logger
    )

    let revocations = RevocationFeed(redis: redis, tokens: tokens, eventLoopGroup: group, logger: logger)
    let router = ServiceRouter.make(metrics: metrics, checks: [ReadinessCheck("redis", redis.ping), .revocations(tokens)])
    let calls = CallService(store: CallStore(redis: redis), bus: ChatBus(redis: redis), limits: configuration.calls, logger: logger)
    let api = router.group(RouterPath(PresenceAPI.group)).add(middleware: AuthMiddleware(tokens: tokens))
    PresenceRoutes(store: store, contacts: contacts).register(on: api)
    let callRoutes = CallRoutes(ice: configuration.ice, calls: calls)
    callRoutes.register(on: api)
    callRoutes.register(
        internal: router.group(RouterPath(PresenceAPI.internalGroup)).add(middleware: AuthMiddleware(tokens: tokens, accepting: .service))
    )

    return Application(
        router: router,
        server: configuration.http.server,
        configuration: configuration.http.application(serverName: "presence"),
        services: [
            redis, streamRedis, HTTPClientService(client: httpClient), consumer, sweeper, revocations,
            CallSweeper(calls: calls, every: configuration.sweepEvery, logger: logger),
            contacts.watcher(redis: configuration.redis, eventLoopGroup: group, logger: logger),
        ],
        logger: logger
    )
}
