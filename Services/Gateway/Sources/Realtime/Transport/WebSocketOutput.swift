import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// A socket's outbound side, confined to its event loop. Frames go straight to the socket
/// (below the frame encoder) and are flushed once per pass of the loop however many were
/// written in it, so a burst of broadcasts costs one `writev` per socket, not one per
/// frame. A reader too slow for what it is sent is let go before its backlog grows past
/// `maxBacklog`; once closing, nothing but the close frame goes out.
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
    private var flushQueued = false
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

    /// One Engine.IO packet, framed.
    func send(_ text: ByteBuffer) {
        self.write(ServerFrame(text: text, allocator: self.channel.allocator))
    }

    func write(_ frame: ServerFrame) {
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
        if !self.flushQueued {
            self.flushQueued = true
            self.flushes.enqueue(self)
        }
    }

    fileprivate func flush() {
        self.flushQueued = false
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

/// The sockets of one event loop with frames written in its current pass: each is
/// flushed once, in a task that runs after the pass's other work.
final class FlushQueue: @unchecked Sendable {  // only touched on `eventLoop`
    let eventLoop: any EventLoop
    private var pending: [WebSocketOutput] = []
    private var flushing: [WebSocketOutput] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    fileprivate func enqueue(_ output: WebSocketOutput) {
        self.eventLoop.assertInEventLoop()
        self.pending.append(output)
        guard self.pending.count == 1 else { return }
        self.eventLoop.execute {
            swap(&self.pending, &self.flushing)
            for output in self.flushing { output.flush() }
            self.flushing.removeAll(keepingCapacity: true)
        }
    }
}

/// One flush queue per event loop, made on the loop's first socket.
final class FlushQueues: Sendable {
    private let queues = NIOLockedValueBox<[ObjectIdentifier: FlushQueue]>([:])

    func queue(for eventLoop: any EventLoop) -> FlushQueue {
        self.queues.withLockedValue { queues in
            if let queue = queues[ObjectIdentifier(eventLoop)] { return queue }
            let queue = FlushQueue(eventLoop: eventLoop)
            queues[ObjectIdentifier(eventLoop)] = queue
            return queue
        }
    }
}
