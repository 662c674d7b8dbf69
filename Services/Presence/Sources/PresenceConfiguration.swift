import Auth
import EventBus
import Foundation
import Logging
import Redis
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// Everything the Presence service reads from its environment, read once at start.
public struct PresenceConfiguration: ServiceConfigurationProtocol {
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
    /// STUN and TURN for calls.
    public var ice: IceSettings
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: Self.port),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        messages: ServiceEndpoint = .messages(timeout: Self.messagesTimeout),
        stream: StreamConsumerSettings = StreamConsumerSettings(),
        typingTTL: Duration = Self.typingTTL.defaultValue,
        gatewayDeadAfter: Duration = Self.gatewayDeadAfter.defaultValue,
        sweepEvery: Duration = .milliseconds(500),
        ice: IceSettings = IceSettings(),
        logLevel: Logger.Level = Setting.logLevel.defaultValue
    ) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.messages = messages
        self.stream = stream
        self.typingTTL = typingTTL
        self.gatewayDeadAfter = gatewayDeadAfter
        self.sweepEvery = sweepEvery
        self.ice = ice
        self.logLevel = logLevel
    }

    public static let port = 8082
    public static let messagesTimeout = Duration.seconds(3)
    public static let typingTTL = Setting.seconds("TYPING_TTL", default: .seconds(5), help: "a typing indicator with no refresh for this long ends")
    public static let gatewayDeadAfter = Setting.seconds(
        "GATEWAY_DEAD_AFTER",
        default: .seconds(10),
        help: "a gateway silent this long is dead: its users go offline unless connected elsewhere"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: Self.port),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            messages: try ServiceEndpoint(values, service: "messages", url: MessagesAPI.defaultURL, timeout: Self.messagesTimeout),
            stream: try StreamConsumerSettings(values),
            typingTTL: try values.read(Self.typingTTL),
            gatewayDeadAfter: try values.read(Self.gatewayDeadAfter),
            ice: try IceSettings(values),
            logLevel: try values.read(.logLevel)
        )
    }
}
