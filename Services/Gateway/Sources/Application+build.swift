import AsyncHTTPClient
import Auth
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
    let group = MultiThreadedEventLoopGroup.singleton
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: logger)
    let tokens = await TokenAuthority(settings: configuration.auth)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: .upstreams(configuration.upstreams))
    let realtime = RealtimeContext.make(configuration: configuration, redis: redis, tokens: tokens, httpClient: httpClient, logger: logger)

    let revocations = RevocationFeed(redis: redis, tokens: tokens, eventLoopGroup: group, logger: logger)
    // Tokens revoked elsewhere (signed out everywhere, one session ended) end their sockets
    // here too. A session's sockets are found among all of them: ending one is rare.
    tokens.revocations.onRevoke { [rooms = realtime.fanout.rooms] revocation in
        switch revocation {
        case .user(let user, let before):
            for connection in rooms.connections(of: user) where (connection.verifiedToken?.issuedAt ?? .max) < before {
                connection.disconnect()
            }
        case .session(let session, _):
            for connection in rooms.connections() where connection.verifiedToken?.sessionID == session {
                connection.disconnect()
            }
        }
    }

    let origins = OriginPolicy(allowed: configuration.corsOrigins)
    let pollingSessions = PollingSessions(
        capacity: configuration.realtime.maxPollingSessions,
        pendingPerAddress: configuration.realtime.maxPendingPollingPerAddress
    )
    let inbox: @Sendable (SocketConnection) -> any SocketPacketSink = { connection in
        SocketInbox(
            handler: SocketSession(connection: connection, context: realtime),
            capacity: SocketSession.maxWaitingPackets,
            maxBytes: SocketSession.maxWaitingBytes
        )
    }
    let router = ServiceRouter.make(
        metrics: ServiceMetrics(),
        checks: [ReadinessCheck("redis", redis.ping), .revocations(tokens)],
        outermost: [CORSMiddleware(policy: origins)]
    )
    router.add(
        middleware: ProxyMiddleware(
            proxy: UpstreamProxy(client: httpClient, settings: configuration.upstreams),
            tokens: tokens,
            allowances: UserAllowances(burst: configuration.upstreams.requestBurst, perSecond: configuration.upstreams.requestsPerSecond)
        )
    )
    EngineIORoutes(
        settings: configuration.realtime,
        origins: origins,
        sessions: pollingSessions,
        trustedProxies: configuration.upstreams.trustedProxies,
        inbox: inbox,
        logger: logger
    ).register(on: router)
    registerStaticFiles(on: router, configuration: configuration, logger: logger)

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
            redis, HTTPClientService(client: httpClient), realtime.fanout, realtime.commands, realtime.presence, revocations,
        ],
        logger: logger
    )
}

/// The chat page at `/chat` and the socket.io-client bundle, when they are there.
private func registerStaticFiles(on router: Router<ChatRequestContext>, configuration: GatewayConfiguration, logger: Logger) {
    if let web = WebApp(root: configuration.webRoot) {
        web.register(on: router)
    } else {
        logger.notice("no chat page; /chat answers 404", metadata: ["path": "\(configuration.webRoot)"])
    }
    if let bundle = ClientBundle(path: configuration.realtime.clientBundlePath) {
        bundle.register(on: router, paths: configuration.realtime.paths)
    } else {
        logger.notice("no socket.io-client bundle; its routes answer 404", metadata: ["path": "\(configuration.realtime.clientBundlePath)"])
    }
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
