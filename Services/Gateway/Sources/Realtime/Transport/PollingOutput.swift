import NIOCore

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
    /// The session moved to a WebSocket: GETs are refused from now on.
    private(set) var upgraded = false
    /// Told once when the transport ends (the session stops its timers and leaves).
    var onClose: ((EngineIOStateMachine.CloseReason) -> Void)?

    static let separator = UInt8(0x1E)

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
            promise.succeed(self.waiting.isEmpty ? ByteBuffer(string: "1") : self.take())
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

    /// Ends the transport: what waits (the server's last words, say) goes out with the
    /// close packet, to the waiting GET or the next one, and the session is told.
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        guard !self.closing else { return }
        self.closing = true
        if reason == .backlogged { self.waiting.removeAll() }
        self.waiting.append(ByteBuffer(string: "1"))
        if let poll = self.poll {
            self.poll = nil
            poll.succeed(self.take())
        }
        self.onClose?(reason)
        self.onClose = nil
    }

    private func take() -> ByteBuffer {
        var payload = ByteBuffer()
        payload.reserveCapacity(self.waitingBytes)
        for (index, packet) in self.waiting.enumerated() {
            if index > 0 { payload.writeInteger(Self.separator) }
            payload.writeImmutableBuffer(packet)
        }
        self.waiting.removeAll(keepingCapacity: true)
        self.waitingBytes = 0
        return payload
    }
}

@available(*, unavailable)
extension PollingOutput: Sendable {}
