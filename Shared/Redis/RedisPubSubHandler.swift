import NIOCore

/// A message received on a subscribed channel (or a channel matching a subscribed pattern).
public struct RedisPubSubMessage: Sendable {
    public var channel: String
    public var pattern: String?
    public var payload: ByteBuffer
}

/// A (un)subscription on its way out, with the promise its confirmations complete.
/// `ssubscribe`/`sunsubscribe` are Redis 7's sharded pub/sub, whose channels must all share a slot.
struct PubSubRequest {
    enum Kind: String { case subscribe, unsubscribe, psubscribe, punsubscribe, ssubscribe, sunsubscribe, ping }
    var kind: Kind
    var names: [String]
    var done: EventLoopPromise<Void>
}

/// Speaks the subscriber side of RESP2 pub/sub: delivers messages as they come and
/// completes (un)subscribe and ping requests when Redis confirms them. An error reply fails
/// the oldest request still waiting (Redis answers in order); a `sunsubscribe` nobody asked
/// for (the channel's slot moved to another shard) is reported to `onDropped`.
final class RedisPubSubHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = PubSubRequest
    typealias OutboundOut = ByteBuffer

    /// Confirmations still expected for one request.
    private final class Pending {
        let done: EventLoopPromise<Void>
        let keys: [String]
        var remaining: Int
        init(done: EventLoopPromise<Void>, keys: [String]) {
            self.done = done
            self.keys = keys
            self.remaining = keys.count
        }
    }

    private let onMessage: @Sendable (RedisPubSubMessage) -> Void
    private let onDropped: @Sendable (String) -> Void
    private var pending: [String: CircularBuffer<Pending>] = [:]
    /// Requests in the order they were written, the oldest first.
    private var order = CircularBuffer<Pending>()

    init(onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void, onDropped: @escaping @Sendable (String) -> Void = { _ in }) {
        self.onMessage = onMessage
        self.onDropped = onDropped
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        let keys = request.kind == .ping ? [Self.key(.ping, "")] : request.names.map { Self.key(request.kind, $0) }
        let entry = Pending(done: request.done, keys: keys)
        for key in keys { self.pending[key, default: []].append(entry) }
        self.order.append(entry)
        let arguments = request.kind == .ping ? [] : request.names.map(RedisArgument.string)
        var bytes = context.channel.allocator.buffer(capacity: 64)
        RedisCommand(request.kind.rawValue.uppercased(), arguments).write(into: &bytes)
        context.write(Self.wrapOutboundOut(bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = Self.unwrapInboundIn(data)
        switch value {
        case .array(let parts) where parts.count >= 2:
            self.handle(parts, context: context)
        case .simpleString("PONG"):
            self.confirm(Self.key(.ping, ""))
        case .error(let message):
            self.failOldest(RedisError.server(message))
        default:
            context.fireErrorCaught(RedisError.protocolError("unexpected reply in subscriber mode"))
        }
    }

    private func handle(_ parts: [RESPValue], context: ChannelHandlerContext) {
        switch parts[0].string?.lowercased() {
        case "message" where parts.count == 3:
            guard let channel = parts[1].string, let payload = parts[2].bytes else { break }
            self.onMessage(RedisPubSubMessage(channel: channel, pattern: nil, payload: payload))
        case "smessage" where parts.count == 3:
            guard let channel = parts[1].string, let payload = parts[2].bytes else { break }
            self.onMessage(RedisPubSubMessage(channel: channel, pattern: nil, payload: payload))
        case "pmessage" where parts.count == 4:
            guard let pattern = parts[1].string, let channel = parts[2].string, let payload = parts[3].bytes else { break }
            self.onMessage(RedisPubSubMessage(channel: channel, pattern: pattern, payload: payload))
        case "pong":
            self.confirm(Self.key(.ping, ""))
        case let kind?:
            guard let kind = PubSubRequest.Kind(rawValue: kind), let name = parts[1].string else { break }
            if kind == .sunsubscribe, self.pending[Self.key(kind, name)] == nil {
                self.onDropped(name)
            } else {
                self.confirm(Self.key(kind, name))
            }
        case nil:
            break
        }
    }

    private func confirm(_ key: String) {
        guard let entry = self.pending[key]?.popFirst() else { return }
        if self.pending[key]?.isEmpty == true { self.pending[key] = nil }
        entry.remaining -= 1
        if entry.remaining == 0 { entry.done.succeed() }
        while let first = self.order.first, first.remaining == 0 { self.order.removeFirst() }
    }

    /// An error reply answers the oldest request in full: none of its confirmations will come.
    private func failOldest(_ error: RedisError) {
        while let entry = self.order.popFirst() {
            guard entry.remaining > 0 else { continue }
            entry.remaining = 0
            for key in Set(entry.keys) {
                self.pending[key]?.removeAll { $0 === entry }
                if self.pending[key]?.isEmpty == true { self.pending[key] = nil }
            }
            entry.done.fail(error)
            return
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        for entries in self.pending.values {
            for entry in entries { entry.done.fail(RedisError.connectionClosed) }
        }
        self.pending = [:]
        self.order.removeAll()
        context.fireChannelInactive()
    }

    private static func key(_ kind: PubSubRequest.Kind, _ name: String) -> String {
        "\(kind.rawValue) \(name)"
    }
}

@available(*, unavailable)
extension RedisPubSubHandler: Sendable {}
