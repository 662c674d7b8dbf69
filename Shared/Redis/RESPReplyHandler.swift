import CHiredis
import NIOCore

/// Turns the bytes Redis sends into `RESPValue`s with hiredis's reader.
final class RESPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = RESPValue

    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        guard let reader = redisReaderCreate() else { fatalError("hiredis could not allocate a reader") }
        self.reader = reader
    }

    deinit {
        redisReaderFree(self.reader)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Self.unwrapInboundIn(data)
        let fed = bytes.withUnsafeReadableBytes { raw in
            redisReaderFeed(self.reader, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard fed == REDIS_OK else { return self.fail(context: context) }
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(self.reader, &reply) == REDIS_OK else { return self.fail(context: context) }
            guard let reply else { return }
            let value = RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self), allocator: context.channel.allocator)
            freeReplyObject(reply)
            context.fireChannelRead(Self.wrapInboundOut(value))
        }
    }

    private func fail(context: ChannelHandlerContext) {
        let message = withUnsafeBytes(of: self.reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        context.fireErrorCaught(RedisError.protocolError(message))
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RESPReplyHandler: Sendable {}

extension RESPValue {
    /// Copies a hiredis reply tree into Swift values.
    init(reply: UnsafePointer<redisReply>, allocator: ByteBufferAllocator) {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            self = .bulkString(allocator.buffer(bytes: UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_ARRAY:
            self = .array(
                (0..<reply.elements).map { index in
                    RESPValue(reply: reply.element[index]!, allocator: allocator)
                }
            )
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(reply.integer))
        case REDIS_REPLY_STATUS:
            self = .simpleString(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        default:
            self = .null
        }
    }
}
