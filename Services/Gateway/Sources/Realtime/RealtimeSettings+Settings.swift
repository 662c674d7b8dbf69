import Foundation
import ServiceConfiguration

// The environment variables `RealtimeSettings` reads.
extension RealtimeSettings {
    /// `gw-` and eight random characters: unique per process.
    public static func uniqueID() -> String {
        "gw-" + UUID().uuidString.prefix(8).lowercased()
    }

    /// A new unique default each time it is read.
    public static var gatewayID: Setting<String> {
        .string(
            "GATEWAY_ID",
            default: Self.uniqueID(),
            defaultText: "`gw-` + random",
            help: "this gateway's name on the bus and in presence; unique per process"
        )
    }
    public static let pingInterval = Setting.seconds(
        "PING_INTERVAL",
        default: .seconds(25),
        help: "how often the server pings each socket (Engine.IO)"
    )
    public static let pingTimeout = Setting.seconds(
        "PING_TIMEOUT",
        default: .seconds(20),
        help: "a socket that has not answered a ping within it is closed"
    )
    public static let maxPayload = Setting.int(
        "SOCKET_MAX_PAYLOAD",
        default: 128 * 1024,
        in: 1024...(16 << 20),
        help: "the largest Engine.IO packet a client may send, in bytes"
    )
    public static let connectTimeout = Setting.seconds(
        "SOCKET_CONNECT_TIMEOUT",
        default: .seconds(10),
        help: "a connection without an accepted CONNECT (refused, never sent, or left) is closed within two of these"
    )
    public static let eventBurst = Setting.int("SOCKET_EVENT_BURST", default: 60, in: 1...100_000, help: "events a connection may send at once")
    public static let eventsPerSecond = Setting.int(
        "SOCKET_EVENTS_PER_SECOND",
        default: 30,
        in: 1...100_000,
        help: "events a connection may send a second past its burst; more are refused `rate_limited`"
    )
    public static let costlyEventBurst = Setting.int(
        "SOCKET_COSTLY_EVENT_BURST",
        default: 10,
        in: 1...100_000,
        help: "costly events (`search_messages`) a connection may send at once, besides its other allowance"
    )
    public static let costlyEventsPerSecond = Setting.int(
        "SOCKET_COSTLY_EVENTS_PER_SECOND",
        default: 2,
        in: 1...100_000,
        help: "costly events a connection may send a second past their burst"
    )
    public static let maxOutboundBytes = Setting.int(
        "SOCKET_MAX_OUTBOUND_BYTES",
        default: 4 * 1024 * 1024,
        in: 4096...(1 << 30),
        help: "bytes that may wait for a slow reader before it is disconnected"
    )
    public static let writeDelay = Setting<Duration?>.seconds(
        "SOCKET_WRITE_DELAY",
        default: nil,
        zero: "off",
        atMost: .milliseconds(100),
        help: "how long a frame may wait for others to the same socket, to go out in one write: throughput for latency"
    )
    public static let sendTimeout = Setting.seconds(
        "SEND_TIMEOUT",
        default: .seconds(10),
        help: "how long `send_message` waits for the stored message before a retryable `timeout`"
    )
    public static let clientBundlePath = Setting.string(
        "SOCKET_CLIENT_BUNDLE",
        default: ".state/client/socket.io.min.js",
        help: "the socket.io-client bundle served at `/socket.io/socket.io.min.js`"
    )
    public static let maxPollingSessions = Setting.int(
        "SOCKET_MAX_POLLING_SESSIONS",
        default: 10_000,
        in: 0...1_000_000,
        help: "long-polling sessions held at once"
    )
    public static let maxPendingPollingPerAddress = Setting.int(
        "SOCKET_PENDING_PER_ADDRESS",
        default: 100,
        in: 1...1_000_000,
        help: "long-polling sessions one client address may hold before they sign in (a school behind one address signs in as it connects)"
    )
    public static let maxSocketsPerUser = Setting.int(
        "SOCKET_MAX_PER_USER",
        default: 20,
        in: 1...100_000,
        help: "connections one user may hold on one gateway; more are refused at CONNECT, `too_many_connections`"
    )
    public static let maxSocketsPerUserTotal = Setting.int(
        "SOCKET_MAX_PER_USER_TOTAL",
        default: 100,
        in: 1...1_000_000,
        help: "connections one user may hold on all gateways together, as presence counts them"
    )
    public static let maxRoomsPerSocket = Setting.int(
        "SOCKET_MAX_ROOMS",
        default: 200,
        in: 1...100_000,
        help: "conversations one connection may have joined at once; more, `too_many_rooms`"
    )
    public static let recoveryWindow = Setting<Duration?>.seconds(
        "SOCKET_RECOVERY_WINDOW",
        default: nil,
        zero: "off",
        help: "how long a dropped socket's session may be recovered (Socket.IO connection-state recovery)"
    )
}
