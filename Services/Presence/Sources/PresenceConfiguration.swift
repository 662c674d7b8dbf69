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
    /// How long calls ring, how long a vanished socket is waited for, how many may join.
    var calls: CallState.Limits
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
        callRingTimeout: Duration = Self.callRingTimeout.defaultValue,
        callReconnectGrace: Duration = Self.callReconnectGrace.defaultValue,
        callMaxParticipants: Int = Self.callMaxParticipants.defaultValue,
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
        self.calls = CallState.Limits(ringTimeout: callRingTimeout, reconnectGrace: callReconnectGrace, maxParticipants: callMaxParticipants)
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

    public static let callRingTimeout = Setting.seconds(
        "CALL_RING_TIMEOUT",
        default: .seconds(30),
        help: "a call nobody answers within this is missed"
    )
    public static let callReconnectGrace = Setting.seconds(
        "CALL_RECONNECT_GRACE",
        default: .seconds(10),
        help: "a party whose socket is gone this long leaves the call (a reconnect within it keeps the call)"
    )
    public static let callMaxParticipants = Setting.int(
        "CALL_MAX_PARTICIPANTS",
        default: 4,
        in: 2...16,
        help: "the most people in one call (a group call is a mesh: each sends to every other)"
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
            callRingTimeout: try values.read(Self.callRingTimeout),
            callReconnectGrace: try values.read(Self.callReconnectGrace),
            callMaxParticipants: try values.read(Self.callMaxParticipants),
            logLevel: try values.read(.logLevel)
        )
    }
}
