import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// A socket's outbound side, confined to its event loop. Frames go straight to the socket
/// (below the frame encoder) and are flushed once per pass of the loop however many were
/// written in it, so a burst of broadcasts costs one `writev` per socket, not one per
/// frame; with a write delay, broadcasts wait for it (a packet of the socket's own, such
/// as an ack, takes them along). A reader too slow for what it is sent is let go before
/// its backlog grows past `maxBacklog`; once closing, nothing but the close frame goes out.
final class WebSocketOutput {
    private let channel: any Channel
    /// The frame encoder's context: what is written through it skips the encoder.
    private let socket: ChannelHandlerContext
    private let flushes: FlushQueue
    private let maxBacklog: Int
    private let logger: Logger
    private let engineID: String
    /// Bytes written while the socket could take no more.
    private var backlog = 0
    /// The channel's writability as last told: asking the channel is an atomic load
    /// through an existential on every frame.
    private var writable: Bool
    /// The flush this socket waits for, if any.
    fileprivate var queued: FlushQueue.When?
    private(set) var closing = false

    init(channel: any Channel, engineID: String, flushes: FlushQueue, maxBacklog: Int, logger: Logger) throws {
        self.channel = channel
        self.socket = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        self.writable = channel.isWritable
        self.flushes = flushes
        self.maxBacklog = maxBacklog
        self.logger = logger
        self.engineID = engineID
    }

    /// One Engine.IO packet of this socket's own (the open packet, an ack, a ping), framed:
    /// flushed after this pass of the loop, write delay or not.
    func send(_ text: ByteBuffer) {
        self.write(ServerFrame(text: text, allocator: self.channel.allocator), when: .afterThisPass)
    }

    /// A broadcast's frame: flushed after the write delay, if there is one.
    func write(_ frame: ServerFrame) {
        self.write(frame, when: .afterTheDelay)
    }

    private func write(_ frame: ServerFrame, when: FlushQueue.When) {
        guard !self.closing else { return }
        if !self.writable {
            self.backlog += frame.bytes.readableBytes
            if self.backlog > self.maxBacklog {
                self.logger.info(
                    "disconnecting a reader too slow for what it is sent",
                    metadata: ["backlog": "\(self.backlog)", "socket.id": "\(self.engineID)"]
                )
                self.closing = true
                self.channel.close(promise: nil)
                return
            }
        }
        self.socket.write(NIOAny(frame.bytes), promise: nil)
        self.flushes.enqueue(self, when)
    }

    fileprivate func flush() {
        guard self.queued != nil else { return }  // flushed already, by an earlier queue
        self.queued = nil
        self.socket.flush()
    }

    func writabilityChanged() {
        self.writable = self.channel.isWritable
        if self.writable { self.backlog = 0 }
    }

    /// A close frame, then the connection closed; anything sent afterwards is dropped.
    func close(_ code: WebSocketErrorCode) {
        guard !self.closing else { return }
        self.closing = true
        var data = self.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = self.channel
        // Through the encoder, after whatever is already queued.
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension WebSocketOutput: Sendable {}

/// The sockets of one event loop with frames written and not yet flushed: each is flushed
/// once, in a task that runs after the pass's other work, or, for broadcasts under a write
/// delay (`SOCKET_WRITE_DELAY`), `delay` after the first of them was written, so that
/// frames to one socket meanwhile share a `writev`.
final class FlushQueue: @unchecked Sendable {  // only touched on `eventLoop`
    enum When: Comparable {
        case afterThisPass
        case afterTheDelay
    }

    let eventLoop: any EventLoop
    private let delay: TimeAmount?
    private let afterThisPass = Batch()
    private let afterTheDelay = Batch()

    /// Sockets waiting for one flush; a socket flushed sooner meanwhile is skipped. A class:
    /// a flush may queue a socket again (a write failing closes the channel), which a
    /// mutating method of a struct held for the whole loop would not allow.
    private final class Batch {
        private var pending: [WebSocketOutput] = []
        private var flushing: [WebSocketOutput] = []

        /// Whether the socket is the first: the batch's flush is then to be scheduled.
        func append(_ output: WebSocketOutput) -> Bool {
            self.pending.append(output)
            return self.pending.count == 1
        }

        func flush() {
            swap(&self.pending, &self.flushing)
            for output in self.flushing { output.flush() }
            self.flushing.removeAll(keepingCapacity: true)
        }
    }

    init(eventLoop: any EventLoop, delay: Duration? = nil) {
        self.eventLoop = eventLoop
        self.delay = delay.map(TimeAmount.init)
    }

    fileprivate func enqueue(_ output: WebSocketOutput, _ wanted: When) {
        self.eventLoop.assertInEventLoop()
        let when = self.delay == nil ? .afterThisPass : wanted
        if let queued = output.queued, queued <= when { return }
        output.queued = when
        switch when {
        case .afterThisPass:
            guard self.afterThisPass.append(output) else { return }
            self.eventLoop.execute { self.afterThisPass.flush() }
        case .afterTheDelay:
            guard self.afterTheDelay.append(output), let delay = self.delay else { return }
            self.eventLoop.scheduleTask(in: delay) { self.afterTheDelay.flush() }
        }
    }
}

/// One flush queue per event loop, made on the loop's first socket.
final class FlushQueues: Sendable {
    private let delay: Duration?
    private let queues = NIOLockedValueBox<[ObjectIdentifier: FlushQueue]>([:])

    init(delay: Duration?) {
        self.delay = delay
    }

    func queue(for eventLoop: any EventLoop) -> FlushQueue {
        self.queues.withLockedValue { queues in
            if let queue = queues[ObjectIdentifier(eventLoop)] { return queue }
            let queue = FlushQueue(eventLoop: eventLoop, delay: self.delay)
            queues[ObjectIdentifier(eventLoop)] = queue
            return queue
        }
    }
}
