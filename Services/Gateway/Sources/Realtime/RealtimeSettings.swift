import ChatModels
import EventBus
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
    /// `costly` events (`EventRate`) a connection may send besides: a burst, then a rate per second.
    public var costlyEventBurst: Int
    public var costlyEventsPerSecond: Int
    /// Bytes that may wait for a slow reader before it is disconnected.
    public var maxOutboundBytes: Int
    /// How long a socket's frames may wait to be flushed together; `nil`, flushed once per
    /// pass of the event loop.
    public var writeDelay: Duration?
    /// How long `send_message` waits for the stored message.
    public var sendTimeout: Duration
    /// How often the gateway tells presence it is alive.
    public var heartbeatInterval: Duration
    /// The socket.io-client bundle to serve at `<path>/socket.io.min.js`; none there, no route.
    public var clientBundlePath: String
    /// Long-polling sessions this gateway holds at once; past it, new ones are refused.
    public var maxPollingSessions: Int
    /// Long-polling sessions not yet signed in (no accepted CONNECT) one client address may
    /// hold on this gateway; past it, its handshakes are refused.
    public var maxPendingPollingPerAddress: Int
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
        gatewayID: String = Self.uniqueID(),
        paths: [String] = ["/socket.io", "/api/socket"],
        pingInterval: Duration = Self.pingInterval.defaultValue,
        pingTimeout: Duration = Self.pingTimeout.defaultValue,
        maxPayload: Int = Self.maxPayload.defaultValue,
        connectTimeout: Duration = Self.connectTimeout.defaultValue,
        eventBurst: Int = Self.eventBurst.defaultValue,
        eventsPerSecond: Int = Self.eventsPerSecond.defaultValue,
        costlyEventBurst: Int = Self.costlyEventBurst.defaultValue,
        costlyEventsPerSecond: Int = Self.costlyEventsPerSecond.defaultValue,
        maxOutboundBytes: Int = Self.maxOutboundBytes.defaultValue,
        writeDelay: Duration? = Self.writeDelay.defaultValue,
        sendTimeout: Duration = Self.sendTimeout.defaultValue,
        heartbeatInterval: Duration = .seconds(2),
        clientBundlePath: String = Self.clientBundlePath.defaultValue,
        maxPollingSessions: Int = Self.maxPollingSessions.defaultValue,
        maxPendingPollingPerAddress: Int = Self.maxPendingPollingPerAddress.defaultValue,
        maxSocketsPerUser: Int = Self.maxSocketsPerUser.defaultValue,
        maxSocketsPerUserTotal: Int = Self.maxSocketsPerUserTotal.defaultValue,
        maxRoomsPerSocket: Int = Self.maxRoomsPerSocket.defaultValue,
        maxContentLength: Int = Setting.maxMessageLength.defaultValue,
        recoveryWindow: Duration? = Self.recoveryWindow.defaultValue
    ) {
        self.gatewayID = gatewayID
        self.paths = paths
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.connectTimeout = connectTimeout
        self.eventBurst = eventBurst
        self.eventsPerSecond = eventsPerSecond
        self.costlyEventBurst = costlyEventBurst
        self.costlyEventsPerSecond = costlyEventsPerSecond
        self.maxOutboundBytes = maxOutboundBytes
        self.writeDelay = writeDelay
        self.sendTimeout = sendTimeout
        self.heartbeatInterval = heartbeatInterval
        self.clientBundlePath = clientBundlePath
        self.maxPollingSessions = maxPollingSessions
        self.maxPendingPollingPerAddress = maxPendingPollingPerAddress
        self.maxSocketsPerUser = maxSocketsPerUser
        self.maxSocketsPerUserTotal = maxSocketsPerUserTotal
        self.maxRoomsPerSocket = maxRoomsPerSocket
        self.maxContentLength = maxContentLength
        self.recoveryWindow = recoveryWindow
    }

    /// What payloads are checked against.
    var eventLimits: EventLimits { EventLimits(maxContentLength: self.maxContentLength) }

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            gatewayID: try values.read(Self.gatewayID),
            pingInterval: try values.read(Self.pingInterval),
            pingTimeout: try values.read(Self.pingTimeout),
            maxPayload: try values.read(Self.maxPayload),
            connectTimeout: try values.read(Self.connectTimeout),
            eventBurst: try values.read(Self.eventBurst),
            eventsPerSecond: try values.read(Self.eventsPerSecond),
            costlyEventBurst: try values.read(Self.costlyEventBurst),
            costlyEventsPerSecond: try values.read(Self.costlyEventsPerSecond),
            maxOutboundBytes: try values.read(Self.maxOutboundBytes),
            writeDelay: try values.read(Self.writeDelay),
            sendTimeout: try values.read(Self.sendTimeout),
            clientBundlePath: try values.read(Self.clientBundlePath),
            maxPollingSessions: try values.read(Self.maxPollingSessions),
            maxPendingPollingPerAddress: try values.read(Self.maxPendingPollingPerAddress),
            maxSocketsPerUser: try values.read(Self.maxSocketsPerUser),
            maxSocketsPerUserTotal: try values.read(Self.maxSocketsPerUserTotal),
            maxRoomsPerSocket: try values.read(Self.maxRoomsPerSocket),
            maxContentLength: try values.read(.maxMessageLength),
            recoveryWindow: try values.read(Self.recoveryWindow)
        )
    }
}
