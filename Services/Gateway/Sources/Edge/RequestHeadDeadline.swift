import NIOCore
import NIOHTTP1

/// Closes a connection whose first request head is not in within `timeout`: a client
/// trickling header bytes would otherwise hold a connection (and its buffers) for as long
/// as it likes. Once the head is in, it steps aside: what follows is the keep-alive idle
/// timeout's, or the socket's pings'. The deadline is not cancelled (cancelling searches
/// the event loop's whole timer heap, an entry or more per socket held): it finds the
/// handler gone and does nothing.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeout: TimeAmount
    /// The handler's context while it is in the pipeline, for the deadline to close. Not a weak
    /// reference to the channel: that gives the channel a side table, and every retain of it for
    /// the rest of its life the slow path (3 % of a gateway's samples in a fan-out).
    private var armed: NIOLoopBoundBox<ChannelHandlerContext?>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.arm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.arm(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.armed?.value = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head = Self.unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        // After an upgrade the connection carries WebSocket frames, not this handler's to read.
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func arm(context: ChannelHandlerContext) {
        guard self.armed == nil else { return }
        let armed = NIOLoopBoundBox(Optional(context), eventLoop: context.eventLoop)
        self.armed = armed
        context.eventLoop.scheduleTask(in: self.timeout) {
            // Still in the pipeline: no head came.
            armed.value?.close(promise: nil)
        }
    }
}
