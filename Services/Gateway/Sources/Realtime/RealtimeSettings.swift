import ChatModels
import Foundation
import ServiceConfiguration
import ServiceKit

/// The Socket.IO side of the gateway: protocol timings and the per-connection limits that
/// keep one client from hurting the others.
public struct RealtimeSettings: Sendable {
    /// This gateway's name on the bus and in presence; unique per process.
    public var gatewayID: String
    /// Paths Socket.IO is served at (with or without the trailing slash).
    public var paths: [String]
    public var pingInterval: Duration
    public var pingTimeout: Duration
    /// The largest Engine.IO packet (one WebSocket message) a client may send.
    public var maxPayload: Int
    /// How long a connection may stay without a Socket.IO CONNECT.
    public var connectTimeout: Duration
    /// Events a connection may send: a burst, then a steady rate per second.
    public var eventBurst: Int
    public var eventsPerSecond: Int
    /// Bytes that may wait for a slow reader before it is disconnected.
    public var maxOutboundBytes: Int
    /// How long `send_message` waits for the stored message.
    public var sendTimeout: Duration
    /// How often the gateway tells presence it is alive.
    public var heartbeatInterval: Duration
    /// The socket.io-client bundle to serve at `<path>/socket.io.min.js`; none there, no route.
    public var clientBundlePath: String
    /// Long-polling sessions this gateway holds at once; past it, new ones are refused.
    public var maxPollingSessions: Int
    /// Connections one user may hold on this gateway; past it, a CONNECT is refused.
    public var maxSocketsPerUser: Int
    /// Connections one user may hold on all gateways together (as presence counts them).
    public var maxSocketsPerUserTotal: Int
    /// Conversations one connection may have joined at once.
    public var maxRoomsPerSocket: Int
    /// A message's most Unicode scalars (messages' `MAX_MESSAGE_LENGTH`, checked here before
    /// a send is queued).
    public var maxContentLength: Int
    /// How long a dropped socket's session may be recovered (Socket.IO's connection-state
    /// recovery); `nil`, off: events then carry no offset, which handlers written for a
    /// fixed number of arguments would receive as one more.
    public var recoveryWindow: Duration?

    public init(
        gatewayID: String = "gw-" + UUID().uuidString.prefix(8).lowercased(),
        paths: [String] = ["/socket.io", "/api/socket"],
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 128 * 1024,
        connectTimeout: Duration = .seconds(10),
        eventBurst: Int = 60,
        eventsPerSecond: Int = 30,
        maxOutboundBytes: Int = 4 * 1024 * 1024,
        sendTimeout: Duration = .seconds(10),
        heartbeatInterval: Duration = .seconds(2),
        clientBundlePath: String = ".state/client/socket.io.min.js",
        maxPollingSessions: Int = 10_000,
        maxSocketsPerUser: Int = 20,
        maxSocketsPerUserTotal: Int = 100,
        maxRoomsPerSocket: Int = 200,
        maxContentLength: Int = MessageRules.defaultMaxContentLength,
        recoveryWindow: Duration? = nil
    ) {
        self.gatewayID = gatewayID
        self.paths = paths
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.connectTimeout = connectTimeout
        self.eventBurst = eventBurst
        self.eventsPerSecond = eventsPerSecond
        self.maxOutboundBytes = maxOutboundBytes
        self.sendTimeout = sendTimeout
        self.heartbeatInterval = heartbeatInterval
        self.clientBundlePath = clientBundlePath
        self.maxPollingSessions = maxPollingSessions
        self.maxSocketsPerUser = maxSocketsPerUser
        self.maxSocketsPerUserTotal = maxSocketsPerUserTotal
        self.maxRoomsPerSocket = maxRoomsPerSocket
        self.maxContentLength = maxContentLength
        self.recoveryWindow = recoveryWindow
    }

    /// `GATEWAY_ID`, `PING_INTERVAL`, `PING_TIMEOUT`, `SOCKET_MAX_PAYLOAD`, `SOCKET_EVENTS_PER_SECOND`,
    /// `SOCKET_EVENT_BURST`, `SOCKET_MAX_OUTBOUND_BYTES`, `SEND_TIMEOUT`, `SOCKET_CLIENT_BUNDLE`, `SOCKET_MAX_POLLING_SESSIONS`,
    /// `SOCKET_RECOVERY_WINDOW` (seconds; 0, the default, is off), `SOCKET_CONNECT_TIMEOUT`,
    /// `SOCKET_MAX_PER_USER`, `SOCKET_MAX_PER_USER_TOTAL`, `SOCKET_MAX_ROOMS`, `MAX_MESSAGE_LENGTH`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let defaults = RealtimeSettings()
        self.init(
            gatewayID: values.string("GATEWAY_ID", default: defaults.gatewayID),
            pingInterval: try values.seconds("PING_INTERVAL", default: defaults.pingInterval),
            pingTimeout: try values.seconds("PING_TIMEOUT", default: defaults.pingTimeout),
            maxPayload: try values.int("SOCKET_MAX_PAYLOAD", default: defaults.maxPayload, in: 1024...(16 << 20)),
            connectTimeout: try values.seconds("SOCKET_CONNECT_TIMEOUT", default: defaults.connectTimeout),
            eventBurst: try values.int("SOCKET_EVENT_BURST", default: defaults.eventBurst, in: 1...100_000),
            eventsPerSecond: try values.int("SOCKET_EVENTS_PER_SECOND", default: defaults.eventsPerSecond, in: 1...100_000),
            maxOutboundBytes: try values.int("SOCKET_MAX_OUTBOUND_BYTES", default: defaults.maxOutboundBytes, in: 4096...(1 << 30)),
            sendTimeout: try values.seconds("SEND_TIMEOUT", default: defaults.sendTimeout),
            clientBundlePath: values.string("SOCKET_CLIENT_BUNDLE", default: defaults.clientBundlePath),
            maxPollingSessions: try values.int("SOCKET_MAX_POLLING_SESSIONS", default: defaults.maxPollingSessions, in: 0...1_000_000),
            maxSocketsPerUser: try values.int("SOCKET_MAX_PER_USER", default: defaults.maxSocketsPerUser, in: 1...100_000),
            maxSocketsPerUserTotal: try values.int("SOCKET_MAX_PER_USER_TOTAL", default: defaults.maxSocketsPerUserTotal, in: 1...1_000_000),
            maxRoomsPerSocket: try values.int("SOCKET_MAX_ROOMS", default: defaults.maxRoomsPerSocket, in: 1...100_000),
            maxContentLength: try values.int("MAX_MESSAGE_LENGTH", default: defaults.maxContentLength, in: 1...1_000_000),
            recoveryWindow: try values.seconds("SOCKET_RECOVERY_WINDOW", default: .zero).nonZero
        )
    }
}

extension Duration {
    fileprivate var nonZero: Duration? { self > .zero ? self : nil }
}
