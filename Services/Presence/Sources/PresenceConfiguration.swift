import Foundation
import Logging
import Redis
import ServiceKit

/// Everything the Presence service reads from its environment, read once at start.
public struct PresenceConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    /// Where messages is, to learn whom a user's status concerns.
    public var messagesURL: URL
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
        messagesURL: URL = URL(string: "http://127.0.0.1:8081")!,
        stream: StreamConsumerSettings = StreamConsumerSettings(),
        typingTTL: Duration = .seconds(5),
        gatewayDeadAfter: Duration = .seconds(10),
        sweepEvery: Duration = .milliseconds(500),
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.messagesURL = messagesURL
        self.stream = stream
        self.typingTTL = typingTTL
        self.gatewayDeadAfter = gatewayDeadAfter
        self.sweepEvery = sweepEvery
        self.logLevel = logLevel
    }

    /// Also `MESSAGES_URL`, `TYPING_TTL`, `GATEWAY_DEAD_AFTER` (seconds).
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let messages = values.string("MESSAGES_URL", default: "http://127.0.0.1:8081")
        guard let messagesURL = URL(string: messages), messagesURL.scheme == "http" else { throw .invalid("MESSAGES_URL", "an http://host:port URL") }
        self.init(
            http: try HTTPSettings(values, defaultPort: 8082),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            messagesURL: messagesURL,
            stream: try StreamConsumerSettings(values),
            typingTTL: try values.seconds("TYPING_TTL", default: .seconds(5)),
            gatewayDeadAfter: try values.seconds("GATEWAY_DEAD_AFTER", default: .seconds(10)),
            logLevel: try values.logLevel()
        )
    }
}
