import NIOCore

/// A command on its way out, with the promise its reply completes.
struct RedisRequest {
    var bytes: ByteBuffer
    var reply: EventLoopPromise<RESPValue>
}

/// Matches replies to commands in order, which is what lets any number of callers
/// pipeline on one connection.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>(initialCapacity: 16)
    private var closedError: RedisError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        if let closedError {
            request.reply.fail(closedError)
            promise?.fail(closedError)
            return
        }
        self.waiting.append(request.reply)
        context.write(Self.wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = Self.unwrapInboundIn(data)
        guard let promise = self.waiting.popFirst() else {
            // A reply nobody asked for: the stream is out of step, so nothing after it can be trusted.
            context.fireErrorCaught(RedisError.protocolError("unexpected reply"))
            context.close(promise: nil)
            return
        }
        promise.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(with: error as? RedisError ?? .connectionClosed)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(with: .connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(with error: RedisError) {
        self.closedError = self.closedError ?? error
        while let promise = self.waiting.popFirst() {
            promise.fail(error)
        }
    }
}

extension RedisCommandHandler: RemovableChannelHandler {}

@available(*, unavailable)
extension RedisCommandHandler: Sendable {}
