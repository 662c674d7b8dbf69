import NIOCore
import SocketIO

/// The Engine.IO 4 protocol of one session, whatever carries it: what each packet from the
/// client and each timer means, as an action for the transport to carry out. No I/O and no
/// clock of its own (time comes with the input), so every transition is tested without a
/// channel, and a second transport (long-polling) can drive the same rules.
struct EngineIOStateMachine {
    /// Why a session ends; each transport says it its own way (a WebSocket close code).
    enum CloseReason: Equatable, Sendable {
        /// The client closed, or sent the Engine.IO close packet.
        case clientClosed
        /// No pong within `pingTimeout` of a ping.
        case pongTimeout
        /// Bytes outside the protocol.
        case protocolViolation
        /// A binary frame no refused binary packet announced.
        case unexpectedBinary
        /// No Socket.IO CONNECT within `connectTimeout`.
        case noConnect
        /// Event after event refused by the rate limit.
        case flooding
        /// More packets waiting for their turn than the session holds.
        case backlogged
        /// The server is shutting down: the client should reconnect elsewhere.
        case serverShutdown
        /// The Socket.IO session ended (a DISCONNECT, either side's).
        case ended
    }

    /// Timers are never cancelled on the way (cancelling one searches the event loop's whole
    /// timer heap, one entry or more per socket): a pong leaves its deadline to find nothing
    /// to do, and a signed-in session is not checked for a CONNECT until it leaves.
    enum Action: Equatable {
        case none
        /// Send a ping; with `deadline`, start that ping's pong deadline (none is running).
        case ping(deadline: Int?)
        /// Hand the packet to the session.
        case deliver(SocketIOPacket)
        /// Hand the client's DISCONNECT to the session, and check for a CONNECT again after
        /// the connect timeout (checks stop while the session is signed in).
        case deliverAndCheckConnect(SocketIOPacket)
        /// Check for a CONNECT again after the connect timeout.
        case checkConnectAgain
        /// Answer the event's ack with a rate-limit refusal; the event goes no further.
        case refuse(ackID: Int?)
        /// End the session: stop the timers, finish the inbox, say why.
        case close(CloseReason)
    }

    private var events: TokenBucket
    private let floodLimit: Int
    private var refusedInARow = 0
    /// Binary attachments still expected for a refused binary packet.
    private var attachmentsToSkip = 0
    private var awaitingPong = false
    /// Pings sent with a deadline, the last of them the one whose pong is awaited.
    private var pingsWithDeadline = 0
    /// Whether the session had an accepted CONNECT at the last connect check.
    private var signedInAtLastCheck = false
    /// Whether a connect check is due (one is, from the start).
    private var connectCheckDue = true
    /// A DISCONNECT came since a check last found the session signed out. The sign-out
    /// itself comes later, in the session's task: a check that still finds the session
    /// signed in must check again, not stop.
    private var disconnectSeen = false
    private(set) var isClosed = false

    /// `eventBurst` events at once, refilled at `eventsPerSecond`; only a client refused
    /// many times in a row is let go.
    init(eventBurst: Int, eventsPerSecond: Int, now: NIODeadline = .now()) {
        self.events = TokenBucket(burst: eventBurst, perSecond: eventsPerSecond, now: now)
        self.floodLimit = max(10 * eventBurst, 500)
    }

    /// Engine.IO 4: the server pings; the client answers each with a pong.
    mutating func pingDue() -> Action {
        guard !self.isClosed else { return .none }
        guard !self.awaitingPong else { return .ping(deadline: nil) }
        self.awaitingPong = true
        self.pingsWithDeadline += 1
        return .ping(deadline: self.pingsWithDeadline)
    }

    /// The deadline of the `ping`th ping with one: the session ends if that ping's pong
    /// has not come.
    mutating func pongDeadlinePassed(ping: Int) -> Action {
        guard self.awaitingPong, ping == self.pingsWithDeadline else { return .none }
        return self.close(.pongTimeout)
    }

    /// Checked a connect timeout after the session opens, and again while it is not signed in:
    /// a session without an accepted CONNECT at a check and at the one before (or since it
    /// opened) ends. Sending a CONNECT is not enough — a refused token, a namespace it may not
    /// join or a DISCONNECT must not keep a socket open. A signed-in session is checked again
    /// once its client sends DISCONNECT.
    mutating func connectCheck(signedIn: Bool) -> Action {
        guard !self.isClosed else { return .none }
        defer { self.signedInAtLastCheck = signedIn }
        if signedIn {
            if self.disconnectSeen { return .checkConnectAgain }
            self.connectCheckDue = false
            return .none
        }
        self.disconnectSeen = false
        return self.signedInAtLastCheck ? .checkConnectAgain : self.close(.noConnect)
    }

    /// A text frame: one Engine.IO packet.
    mutating func textReceived(_ text: ByteBuffer, now: NIODeadline = .now()) -> Action {
        guard !self.isClosed else { return .none }
        guard self.attachmentsToSkip == 0, let packet = try? EngineIOPacket(parsing: text) else {
            return self.close(.protocolViolation)
        }
        switch packet.type {
        case .pong:
            self.awaitingPong = false
            return .none
        case .message:
            guard let message = try? SocketIOPacket(parsing: packet.payload) else { return self.close(.protocolViolation) }
            return self.received(message, now: now)
        case .close:
            return self.close(.clientClosed)
        case .noop:
            return .none
        case .open, .ping, .upgrade:
            // A client never opens, and in Engine.IO 4 never pings; without polling there is no upgrade.
            return self.close(.protocolViolation)
        }
    }

    private mutating func received(_ packet: SocketIOPacket, now: NIODeadline) -> Action {
        switch packet.type {
        case .connect:
            break
        case .event, .binaryEvent:
            self.attachmentsToSkip = packet.attachments
            guard self.events.take(now: now) else {
                self.refusedInARow += 1
                return self.refusedInARow > self.floodLimit ? self.close(.flooding) : .refuse(ackID: packet.ackID)
            }
            self.refusedInARow = 0
        case .binaryAck:
            self.attachmentsToSkip = packet.attachments
        case .disconnect:
            self.disconnectSeen = true
            if !self.connectCheckDue {
                self.connectCheckDue = true
                return .deliverAndCheckConnect(packet)
            }
        case .ack, .connectError:
            break
        }
        return .deliver(packet)
    }

    /// A binary frame: an attachment of a refused binary packet, or out of protocol.
    mutating func binaryReceived() -> Action {
        guard !self.isClosed else { return .none }
        guard self.attachmentsToSkip > 0 else { return self.close(.unexpectedBinary) }
        self.attachmentsToSkip -= 1
        return .none
    }

    /// The session's inbox would not take a delivered packet: the client sends faster than
    /// its events are handled.
    mutating func inboxOverflowed() -> Action {
        self.close(.backlogged)
    }

    /// The transport or the server ends the session.
    mutating func close(_ reason: CloseReason) -> Action {
        guard !self.isClosed else { return .none }
        self.isClosed = true
        return .close(reason)
    }
}
