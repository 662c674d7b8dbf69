import EventBus
import Foundation
import Logging
import Redis
import ServiceConfiguration
import ServiceKit

/// Everything the Presence service reads from its environment, read once at start.
public struct PresenceConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    /// Where messages is, to learn whom a user's status concerns.
    public var messages: ServiceEndpoint
    public var stream: StreamConsumerSettings
    /// A typing indicator with no refresh for this long ends by itself.
    public var typingTTL: Duration
    /// A gateway silent for this long is dead: its users go offline unless connected elsewhere.
    public var gatewayDeadAfter: Duration
    /// How often expiries and dead gateways are looked for.
    public var sweepEvery: Duration
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: 8082),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        messages: ServiceEndpoint = ServiceEndpoint(url: URL(string: "http://127.0.0.1:8081")!, timeout: .seconds(3)),
        stream: StreamConsumerSettings = StreamConsumerSettings(),
        typingTTL: Duration = .seconds(5),
        gatewayDeadAfter: Duration = .seconds(10),
        sweepEvery: Duration = .milliseconds(500),
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.messages = messages
        self.stream = stream
        self.typingTTL = typingTTL
        self.gatewayDeadAfter = gatewayDeadAfter
        self.sweepEvery = sweepEvery
        self.logLevel = logLevel
    }

    /// Also `MESSAGES_URL`, `MESSAGES_TIMEOUT`, `TYPING_TTL`, `GATEWAY_DEAD_AFTER` (seconds).
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: 8082),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            messages: try ServiceEndpoint(values, prefix: "MESSAGES", url: "http://127.0.0.1:8081", timeout: .seconds(3)),
            stream: try StreamConsumerSettings(values),
            typingTTL: try values.seconds("TYPING_TTL", default: .seconds(5)),
            gatewayDeadAfter: try values.seconds("GATEWAY_DEAD_AFTER", default: .seconds(10)),
            logLevel: try values.logLevel()
        )
    }
}
