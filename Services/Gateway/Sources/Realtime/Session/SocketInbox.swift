import NIOConcurrencyHelpers
import NIOCore
import SocketIO

/// What a connection's Socket.IO packets are handed to, in the order they arrive.
protocol SocketPacketSink: AnyObject, Sendable {
    /// False when too many packets already wait: the client sends faster than its events are handled.
    func accept(_ packet: SocketIOPacket) -> Bool
    /// The connection is gone: what was accepted is still handled, then the end, and nothing more.
    func finish()
}

/// Handles one connection's packets one at a time, then its end.
protocol SocketPacketHandler: Sendable {
    func handle(_ packet: SocketIOPacket) async
    func end() async
}

/// A connection's packets, handled in order by a task that exists only while there are
/// packets to handle. An idle socket holds no task: a task's stack slabs, its group and
/// stream cost more memory than the rest of a connection together. What waits is bounded in
/// packets and in bytes: many packets near the largest payload must not pile up either.
final class SocketInbox<Handler: SocketPacketHandler>: SocketPacketSink {
    private struct State {
        var waiting: [SocketIOPacket] = []
        /// The payload bytes of `waiting`.
        var waitingBytes = 0
        /// A task is handling packets; it takes whatever arrives meanwhile.
        var draining = false
        var finished = false
    }

    private let handler: Handler
    private let capacity: Int
    private let maxBytes: Int
    private let state = NIOLockedValueBox(State())

    init(handler: Handler, capacity: Int, maxBytes: Int = 1 << 20) {
        self.handler = handler
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    func accept(_ packet: SocketIOPacket) -> Bool {
        let start: Bool? = self.state.withLockedValue { state in
            let bytes = packet.payload.readableBytes
            guard !state.finished, state.waiting.count < self.capacity else { return nil }
            // One packet however big (up to the payload limit), but no second past the bound.
            guard state.waiting.isEmpty || state.waitingBytes + bytes <= self.maxBytes else { return nil }
            state.waiting.append(packet)
            state.waitingBytes += bytes
            defer { state.draining = true }
            return !state.draining
        }
        guard let start else { return false }
        if start { self.startDraining() }
        return true
    }

    func finish() {
        let start = self.state.withLockedValue { state in
            guard !state.finished else { return false }
            state.finished = true
            defer { state.draining = true }
            return !state.draining
        }
        if start { self.startDraining() }
    }

    private func startDraining() {
        Task { await self.drain() }
    }

    private func drain() async {
        while true {
            let (batch, ended) = self.state.withLockedValue { state in
                defer {
                    state.waiting = []
                    state.waitingBytes = 0
                }
                if state.waiting.isEmpty { state.draining = false }
                return (state.waiting, state.waiting.isEmpty && state.finished)
            }
            if ended { return await self.handler.end() }
            if batch.isEmpty { return }
            for packet in batch { await self.handler.handle(packet) }
        }
    }
}
