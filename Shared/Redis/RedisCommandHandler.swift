import NIOCore

/// A command on its way out, with the promise its reply completes and when to stop waiting.
struct RedisRequest {
    var bytes: ByteBuffer
    var reply: EventLoopPromise<RESPValue>
    var deadline: NIODeadline
}

/// Matches replies to commands in order, which is what lets any number of callers
/// pipeline on one connection, and fails a command whose reply is late with
/// `RedisError.timeout`. A late reply still lands on its own (failed) promise, which
/// keeps later replies matched to their commands.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var reply: EventLoopPromise<RESPValue>
        /// Nil once it has timed out.
        var deadline: NIODeadline?
    }

    private var waiting = CircularBuffer<Waiting>(initialCapacity: 16)
    private var timer = SweepTimer()
    private var closedError: RedisError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        if let closedError {
            request.reply.fail(closedError)
            promise?.fail(closedError)
            return
        }
        self.waiting.append(Waiting(reply: request.reply, deadline: request.deadline))
        self.expire(by: request.deadline, context: context)
        context.write(Self.wrapOutboundOut(request.bytes), promise: promise)
    }

    private func expire(by deadline: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.timer.ensureSweep(by: deadline, on: context.eventLoop) { scheduled in
            let (handler, context) = bound.value
            handler.sweep(scheduled, context: context)
        }
    }

    private func sweep(_ scheduled: NIODeadline, context: ChannelHandlerContext) {
        self.timer.swept(scheduled)
        let now = context.eventLoop.now
        var next: NIODeadline?
        for index in self.waiting.indices {
            guard let deadline = self.waiting[index].deadline else { continue }
            if deadline <= now {
                self.waiting[index].deadline = nil
                self.waiting[index].reply.fail(RedisError.timeout)
            } else {
                next = min(next ?? deadline, deadline)
            }
        }
        if let next { self.expire(by: next, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = Self.unwrapInboundIn(data)
        guard let waiting = self.waiting.popFirst() else {
            // A reply nobody asked for: the stream is out of step, so nothing after it can be trusted.
            context.fireErrorCaught(RedisError.protocolError("unexpected reply"))
            context.close(promise: nil)
            return
        }
        waiting.reply.succeed(value)
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
        while let waiting = self.waiting.popFirst() {
            waiting.reply.fail(error)
        }
    }
}

extension RedisCommandHandler: RemovableChannelHandler {}

@available(*, unavailable)
extension RedisCommandHandler: Sendable {}
