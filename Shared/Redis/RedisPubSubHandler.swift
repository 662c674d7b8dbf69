import NIOCore

/// A message received on a subscribed channel (or a channel matching a subscribed pattern).
public struct RedisPubSubMessage: Sendable {
    public var channel: String
    public var pattern: String?
    public var payload: ByteBuffer
}

/// A (un)subscription on its way out, with the promise its confirmations complete.
struct PubSubRequest {
    enum Kind: String { case subscribe, unsubscribe, psubscribe, punsubscribe, ping }
    var kind: Kind
    var names: [String]
    var done: EventLoopPromise<Void>
}

/// Speaks the subscriber side of RESP2 pub/sub: delivers messages as they come and
/// completes (un)subscribe and ping requests when Redis confirms them.
final class RedisPubSubHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = PubSubRequest
    typealias OutboundOut = ByteBuffer

    /// Confirmations still expected for one request.
    private final class Pending {
        let done: EventLoopPromise<Void>
        var remaining: Int
        init(done: EventLoopPromise<Void>, remaining: Int) {
            self.done = done
            self.remaining = remaining
        }
    }

    private let onMessage: @Sendable (RedisPubSubMessage) -> Void
    private var pending: [String: CircularBuffer<Pending>] = [:]

    init(onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void) {
        self.onMessage = onMessage
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        let entry = Pending(done: request.done, remaining: max(request.names.count, 1))
        let keys = request.kind == .ping ? [Self.key(.ping, "")] : request.names.map { Self.key(request.kind, $0) }
        for key in keys { self.pending[key, default: []].append(entry) }
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
            context.fireErrorCaught(RedisError.server(message))
        default:
            context.fireErrorCaught(RedisError.protocolError("unexpected reply in subscriber mode"))
        }
    }

    private func handle(_ parts: [RESPValue], context: ChannelHandlerContext) {
        switch parts[0].string?.lowercased() {
        case "message" where parts.count == 3:
            guard let channel = parts[1].string, let payload = parts[2].bytes else { break }
            self.onMessage(RedisPubSubMessage(channel: channel, pattern: nil, payload: payload))
        case "pmessage" where parts.count == 4:
            guard let pattern = parts[1].string, let channel = parts[2].string, let payload = parts[3].bytes else { break }
            self.onMessage(RedisPubSubMessage(channel: channel, pattern: pattern, payload: payload))
        case "pong":
            self.confirm(Self.key(.ping, ""))
        case let kind?:
            guard let kind = PubSubRequest.Kind(rawValue: kind), let name = parts[1].string else { break }
            self.confirm(Self.key(kind, name))
        case nil:
            break
        }
    }

    private func confirm(_ key: String) {
        guard let entry = self.pending[key]?.popFirst() else { return }
        if self.pending[key]?.isEmpty == true { self.pending[key] = nil }
        entry.remaining -= 1
        if entry.remaining == 0 { entry.done.succeed() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        for entries in self.pending.values {
            for entry in entries { entry.done.fail(RedisError.connectionClosed) }
        }
        self.pending = [:]
        context.fireChannelInactive()
    }

    private static func key(_ kind: PubSubRequest.Kind, _ name: String) -> String {
        "\(kind.rawValue) \(name)"
    }
}

@available(*, unavailable)
extension RedisPubSubHandler: Sendable {}
