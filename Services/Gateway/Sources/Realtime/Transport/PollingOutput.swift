import NIOCore
import SocketIO

/// A long-polling session's outbound side, on its event loop: packets wait here until the
/// client's GET takes them all at once, joined by the record separator; a GET that finds
/// none waits for the next. A client too slow to collect what it is sent is let go before
/// its backlog passes `maxBacklog`.
final class PollingOutput {
    private var waiting: [ByteBuffer] = []
    private var waitingBytes = 0
    private var poll: EventLoopPromise<ByteBuffer>?
    private let maxBacklog: Int
    private(set) var closing = false
    /// Why it closed, once it has.
    private(set) var closeReason: EngineIOStateMachine.CloseReason?
    /// Closed with the server's last words still to collect: the next GET takes them.
    private(set) var lingering = false
    /// The session moved to a WebSocket: GETs are refused from now on.
    private(set) var upgraded = false
    /// Told once when the transport ends (the session stops its timers and leaves).
    var onClose: ((EngineIOStateMachine.CloseReason) -> Void)?
    /// Told when a lingering session's last words were collected.
    var onDrained: (() -> Void)?

    init(maxBacklog: Int) {
        self.maxBacklog = maxBacklog
    }

    func send(_ packet: ByteBuffer) {
        guard !self.closing else { return }
        self.waiting.append(packet)
        self.waitingBytes += packet.readableBytes + 1
        guard self.waitingBytes <= self.maxBacklog else { return self.close(.backlogged) }
        if let poll = self.poll {
            self.poll = nil
            poll.succeed(self.take())
        }
    }

    /// The client's GET: answered at once with what waits, or when something comes.
    /// False when another GET is already waiting, which the protocol forbids.
    func collect(_ promise: EventLoopPromise<ByteBuffer>) -> Bool {
        guard self.poll == nil else { return false }
        if self.waiting.isEmpty && !self.closing {
            self.poll = promise
        } else {
            promise.succeed(self.waiting.isEmpty ? Self.closePacket : self.take())
            if self.lingering {
                self.lingering = false
                self.onDrained?()
                self.onDrained = nil
            }
        }
        return true
    }

    /// The client probed a WebSocket: a noop goes to the waiting GET (or the next one), so
    /// the client can pause polling.
    func release() {
        self.send(Self.noop)
    }

    /// The session upgrades: the packets still waiting, to go first over the WebSocket (the
    /// noops were for polling).
    func handOver() -> [ByteBuffer] {
        self.upgraded = true
        if let poll = self.poll {
            self.poll = nil
            poll.succeed(Self.noop)
        }
        defer {
            self.waiting.removeAll()
            self.waitingBytes = 0
        }
        return self.waiting.filter { $0 != Self.noop }
    }

    private static let noop = ByteBuffer(string: "6")
    private static let closePacket = ByteBuffer(string: "1")

    /// Ends the transport. The client's own close is answered with a noop to a waiting GET
    /// and nothing more; any other end sends the close packet, after the Socket.IO packets
    /// still waiting (the server's last words, a DISCONNECT say), to the waiting GET or, when
    /// there are such words, the next one. Pings and noops are no longer worth sending.
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        guard !self.closing else { return }
        self.closing = true
        self.closeReason = reason
        self.waiting.removeAll { reason == .backlogged || $0 == SocketIOFrame.ping || $0 == Self.noop }
        if reason == .clientClosed {
            self.waiting.removeAll()
            self.poll?.succeed(Self.noop)
        } else {
            self.waiting.append(Self.closePacket)
            self.poll?.succeed(self.take())
        }
        self.poll = nil
        // More than the close packet waits (words worth keeping the session for), or the
        // Socket.IO session ended, after which the client says goodbye itself.
        self.lingering = self.waiting.count > 1 || (reason == .ended && !self.waiting.isEmpty)
        if !self.lingering { self.waiting.removeAll() }
        self.waitingBytes = 0
        self.onClose?(reason)
        self.onClose = nil
    }

    private func take() -> ByteBuffer {
        let payload = EngineIOPayload.joined(self.waiting, capacity: self.waitingBytes)
        self.waiting.removeAll(keepingCapacity: true)
        self.waitingBytes = 0
        return payload
    }
}

@available(*, unavailable)
extension PollingOutput: Sendable {}
