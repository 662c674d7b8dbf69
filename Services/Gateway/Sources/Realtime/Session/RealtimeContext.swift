import AsyncHTTPClient
import Auth
import EventBus
import Logging
import NIOPosix
import Redis
import ServiceClients

/// What every connection's session shares.
struct RealtimeContext: Sendable {
    let settings: RealtimeSettings
    let tokens: TokenAuthority
    let fanout: Fanout
    let commands: CommandClient
    let presence: PresenceReporter
    /// Who is online, for the watchers of a status.
    let online: OnlineUsers
    let messages: MessagesClient
    /// Presence, which keeps every call.
    let calls: CallsClient
    let memberships: Memberships
    /// The events clients send, each with its handler.
    let events: ClientEventRouter
    /// Connection-state recovery, when on.
    let recovery: SessionRecovery?
    let logger: Logger
}

extension RealtimeContext {
    /// The gateway's real-time side: its fan-out, command stream, presence reports and calls
    /// to messages, over `redis` and `httpClient`.
    static func make(
        configuration: GatewayConfiguration,
        redis: RedisClient,
        tokens: TokenAuthority,
        httpClient: HTTPClient,
        logger: Logger
    ) -> RealtimeContext {
        let group = MultiThreadedEventLoopGroup.singleton
        let settings = configuration.realtime
        let serviceToken = ServiceTokenCache(tokens: tokens, service: "gateway").token
        let messages = MessagesClient(
            client: httpClient,
            endpoint: ServiceEndpoint(url: configuration.upstreams.messages, timeout: configuration.upstreams.timeout),
            serviceToken: serviceToken
        )
        let recovery = settings.recoveryWindow.map { SessionRecovery(redis: redis, window: $0, logger: logger) }
        let memberships = Memberships()
        let fanout = Fanout(
            redis: configuration.redis,
            eventLoopGroup: group,
            messages: messages,
            memberships: memberships,
            offsetOrigin: recovery?.origin,
            logger: logger
        )
        let commands = CommandClient(
            redis: redis,
            configuration: configuration.redis,
            eventLoopGroup: group,
            instanceID: settings.gatewayID,
            timeout: settings.sendTimeout,
            streams: configuration.commandStreams,
            logger: logger
        )
        let presence = PresenceReporter(
            redis: redis,
            gatewayID: settings.gatewayID,
            heartbeatInterval: settings.heartbeatInterval,
            liveConnections: { fanout.rooms.connections() },
            logger: logger
        )
        return RealtimeContext(
            settings: settings,
            tokens: tokens,
            fanout: fanout,
            commands: commands,
            presence: presence,
            online: OnlineUsers(redis: redis),
            messages: messages,
            calls: CallsClient(
                client: httpClient,
                endpoint: ServiceEndpoint(url: configuration.upstreams.presence, timeout: configuration.upstreams.timeout),
                serviceToken: serviceToken
            ),
            memberships: memberships,
            events: .chat(),
            recovery: recovery,
            logger: logger
        )
    }
}
