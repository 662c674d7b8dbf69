import AsyncHTTPClient
import EventBus
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Redis
import ServiceClients
import ServiceKit

/// The gateway: the public edge. It serves Socket.IO (v4, over WebSocket) to clients,
/// fanned out through Redis so that a conversation spans any number of gateways, and
/// routes `/api/**` to the owning service after checking the caller's token.
public func buildApplication(configuration: GatewayConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "gateway")
    logger.logLevel = configuration.logLevel
    logger[metadataKey: "gateway"] = .string(configuration.realtime.gatewayID)
    let metrics = ServiceMetrics()
    let group = MultiThreadedEventLoopGroup.singleton
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: logger)
    let tokens = await TokenAuthority(settings: configuration.auth)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: .upstreams(configuration.upstreams))

    let messages = MessagesClient(
        client: httpClient,
        endpoint: ServiceEndpoint(url: configuration.upstreams.messages, timeout: configuration.upstreams.timeout)
    )
    let recovery = configuration.realtime.recoveryWindow.map { SessionRecovery(redis: redis, window: $0, logger: logger) }
    let fanout = Fanout(
        redis: configuration.redis,
        eventLoopGroup: group,
        messages: messages,
        offsetOrigin: recovery?.origin,
        logger: logger
    )
    let commands = CommandClient(
        redis: redis,
        configuration: configuration.redis,
        eventLoopGroup: group,
        instanceID: configuration.realtime.gatewayID,
        timeout: configuration.realtime.sendTimeout,
        logger: logger
    )
    let presence = PresenceReporter(
        redis: redis,
        gatewayID: configuration.realtime.gatewayID,
        heartbeatInterval: configuration.realtime.heartbeatInterval,
        liveConnections: { fanout.rooms.connections() },
        logger: logger
    )
    let realtime = RealtimeContext(
        settings: configuration.realtime,
        tokens: tokens,
        fanout: fanout,
        commands: commands,
        presence: presence,
        messages: messages,
        memberships: Memberships(),
        recovery: recovery,
        logger: logger
    )

    let revocations = RevocationFeed(redis: redis, tokens: tokens, eventLoopGroup: group, logger: logger)
    // A session revoked elsewhere ("log out everywhere") ends its sockets here too.
    tokens.revocations.onRevoke { user, before in
        for connection in fanout.rooms.connections(of: user) where (connection.verifiedToken?.issuedAt ?? .max) < before {
            connection.disconnect()
        }
    }

    let origins = OriginPolicy(allowed: configuration.corsOrigins)
    let router = ServiceRouter.make(metrics: metrics, checks: [.redis(redis), revocations.readiness], outermost: [CORSMiddleware(policy: origins)])
    router.add(
        middleware: ProxyMiddleware(
            proxy: UpstreamProxy(client: httpClient, settings: configuration.upstreams),
            tokens: tokens,
            allowances: UserAllowances(burst: configuration.upstreams.requestBurst, perSecond: configuration.upstreams.requestsPerSecond)
        )
    )
    let inbox: @Sendable (SocketConnection) -> any SocketPacketSink = { connection in
        SocketInbox(
            handler: SocketSession(connection: connection, context: realtime),
            capacity: SocketSession.maxWaitingPackets,
            maxBytes: SocketSession.maxWaitingBytes
        )
    }
    let pollingSessions = PollingSessions(capacity: configuration.realtime.maxPollingSessions)
    EngineIORoutes(
        settings: configuration.realtime,
        origins: origins,
        sessions: pollingSessions,
        inbox: inbox,
        logger: logger
    ).register(on: router)
    if let web = WebApp(root: configuration.webRoot) {
        web.register(on: router)
    } else {
        logger.notice("no chat page; /chat answers 404", metadata: ["path": "\(configuration.webRoot)"])
    }
    if let bundle = ClientBundle(path: configuration.realtime.clientBundlePath) {
        bundle.register(on: router, paths: configuration.realtime.paths)
    } else {
        logger.notice(
            "no socket.io-client bundle; its routes answer 404",
            metadata: ["path": "\(configuration.realtime.clientBundlePath)"]
        )
    }

    return Application(
        router: router,
        server: .realtime(
            settings: configuration.realtime,
            http: configuration.http,
            origins: origins,
            pollingSessions: pollingSessions,
            session: inbox
        ),
        configuration: configuration.http.application(serverName: configuration.realtime.gatewayID),
        services: [
            redis, HTTPClientService(client: httpClient), fanout, commands, presence,
            revocations,
        ],
        logger: logger
    )
}

extension HTTPClient.Configuration {
    /// Talking to the services behind the gateway: no redirects, bytes as they are. The connect
    /// timeout also bounds the wait for a pooled connection (a burst of joins queues there), so it
    /// is generous; a refused connect fails the waiting calls at once instead of retrying with
    /// backoff until that deadline, so a stopped service is a prompt 503.
    static func upstreams(_ settings: UpstreamSettings) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(settings.connectTimeout), read: TimeAmount(settings.timeout))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
