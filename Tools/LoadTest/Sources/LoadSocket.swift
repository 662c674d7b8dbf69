import NIOCore
import NIOWebSocket
import SocketIO

#if canImport(Glibc)
import Glibc
#endif

/// One Socket.IO client over an upgraded WebSocket, driven on its channel's event loop
/// and never off it: Engine.IO open → CONNECT with the auth payload → events and acks.
/// It answers pings, counts what it sees into its loop's `LoopStats`, and records each
/// probe it receives so that losses and duplicates can be told apart at the end.
public final class LoadSocket: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    private enum Pending {
        case join(EventLoopPromise<Bool>)
        case send(number: Int, sentAt: UInt64)
    }

    /// The client's number in the run (a probe's `sender`).
    public let index: Int
    private let auth: ByteBuffer
    private let stats: LoopStats
    private let startedAt: UInt64
    private let ready: EventLoopPromise<Void>

    private var context: ChannelHandlerContext?
    private var isConnected = false
    private var isClosing = false
    private var nextAckID = 0
    private var pending: [Int: Pending] = [:]

    /// Probes received, by sender.
    public private(set) var received: [Int: Bitset] = [:]
    /// This client's own messages the server acknowledged as stored.
    public private(set) var acked = Bitset()

    private static let newMessage = FrameScan.eventPrefix("new_message")

    /// `auth` is the CONNECT payload (`{"token":"…"}`); `ready` is fulfilled once connected.
    init(index: Int, auth: ByteBuffer, stats: LoopStats, startedAt: UInt64, ready: EventLoopPromise<Void>) {
        self.index = index
        self.auth = auth
        self.stats = stats
        self.startedAt = startedAt
        self.ready = ready
    }

    public var isOpen: Bool { self.isConnected && !self.isClosing }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.received(frame.unmaskedData, context: context)
        case .ping:
            self.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData), context: context)
        case .connectionClose:
            context.close(promise: nil)
        default:
            self.stats.figures.counts.otherEvents += 1
        }
    }

    private func received(_ text: ByteBuffer, context: ChannelHandlerContext) {
        var text = text
        guard let engineType = text.readInteger(as: UInt8.self) else { return }
        switch engineType {
        case UInt8(ascii: "4"):
            self.receivedPacket(text, context: context)
        case UInt8(ascii: "2"):
            self.writeText("3", context: context)
        case UInt8(ascii: "0"):
            var connect = context.channel.allocator.buffer(capacity: 2 + self.auth.readableBytes)
            connect.writeStaticString("40")
            connect.writeImmutableBuffer(self.auth)
            self.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: connect), context: context)
        case UInt8(ascii: "1"):
            context.close(promise: nil)
        default:
            self.stats.figures.counts.otherEvents += 1
        }
    }

    private func receivedPacket(_ packet: ByteBuffer, context: ChannelHandlerContext) {
        var packet = packet
        guard let type = packet.readInteger(as: UInt8.self) else { return }
        switch type {
        case UInt8(ascii: "2"):
            if FrameScan.payload(packet, startsWith: Self.newMessage), let probe = Probe(in: packet) {
                if self.received[probe.sender, default: Bitset()].insert(probe.number) {
                    let now = Clock.now()
                    self.stats.figures.counts.delivered += 1
                    self.stats.figures.delivery.record(since: probe.sentAt, now: now)
                    self.stats.figures.lastDelivery = max(self.stats.figures.lastDelivery, now)
                } else {
                    self.stats.figures.counts.duplicated += 1
                }
            } else {
                self.stats.figures.counts.otherEvents += 1
            }
        case UInt8(ascii: "3"):
            var id = 0
            while let digit = packet.readableBytesView.first, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
                id = id * 10 + Int(digit - UInt8(ascii: "0"))
                packet.moveReaderIndex(forwardBy: 1)
            }
            self.acknowledged(id, ok: FrameScan.isOK(packet))
        case UInt8(ascii: "0"):
            guard !self.isConnected else { return }
            self.isConnected = true
            self.stats.figures.counts.connected += 1
            self.stats.figures.handshake.record(since: self.startedAt, now: Clock.now())
            self.ready.succeed()
        case UInt8(ascii: "4"):
            self.ready.fail(LoadTestError.refused(String(buffer: packet)))
            context.close(promise: nil)
        case UInt8(ascii: "1"):
            context.close(promise: nil)
        default:
            self.stats.figures.counts.otherEvents += 1
        }
    }

    private func acknowledged(_ id: Int, ok: Bool) {
        switch self.pending.removeValue(forKey: id) {
        case .join(let promise):
            promise.succeed(ok)
        case .send(let number, let sentAt):
            if ok {
                self.stats.figures.counts.acked += 1
                self.stats.figures.ack.record(since: sentAt, now: Clock.now())
                self.acked.insert(number)
            } else {
                self.stats.figures.counts.ackErrors += 1
            }
        case nil:
            self.stats.figures.counts.otherEvents += 1
        }
    }

    /// Joins the conversation; true once the server acknowledged it with `ok`.
    public func join(_ conversation: String) -> EventLoopFuture<Bool> {
        guard let context = self.context, self.isOpen else { return self.ready.futureResult.eventLoop.makeSucceededFuture(false) }
        let promise = context.eventLoop.makePromise(of: Bool.self)
        let id = self.nextAckID
        self.nextAckID += 1
        self.pending[id] = .join(promise)
        self.writeText("42\(id)[\"join_conversation\",{\"conversationId\":\"\(conversation)\"}]", context: context)
        return promise.futureResult
    }

    /// Sends message `number` of this client to the conversation, asking for an ack.
    public func send(_ number: Int, to conversation: String) {
        guard let context = self.context, self.isOpen else { return }
        let now = Clock.now()
        let id = self.nextAckID
        self.nextAckID += 1
        self.pending[id] = .send(number: number, sentAt: now)
        let probe = Probe(sender: self.index, number: number, sentAt: now)
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeString(
            "42\(id)[\"send_message\",{\"conversationId\":\"\(conversation)\",\"content\":\"\(probe.content)\",\"clientMessageId\":\"lt-\(self.index)-\(number)\"}]"
        )
        self.stats.figures.counts.sent += 1
        self.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), context: context)
    }

    /// Closes at the end of the run (not counted as a drop).
    public func close() {
        self.isClosing = true
        self.context?.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if self.isConnected && !self.isClosing { self.stats.figures.counts.dropped += 1 }
        self.ready.fail(LoadTestError.closed)
        for case .join(let promise) in self.pending.values { promise.succeed(false) }
        self.pending.removeAll()
        self.isConnected = false
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.ready.fail(error)
        context.close(promise: nil)
    }

    private func writeText(_ text: String, context: ChannelHandlerContext) {
        self.write(
            WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: context.channel.allocator.buffer(string: text)),
            context: context
        )
    }

    private func write(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
    }
}

public enum LoadTestError: Error, CustomStringConvertible {
    case refused(String)
    case closed
    case notUpgraded
    case timedOut
    case setup(String)

    public var description: String {
        switch self {
        case .refused(let reason): "connection refused by the server: \(reason)"
        case .closed: "connection closed"
        case .notUpgraded: "the server did not upgrade to WebSocket"
        case .timedOut: "timed out"
        case .setup(let reason): reason
        }
    }
}

/// The monotonic clock, in nanoseconds: the same in every process on the box.
public enum Clock {
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
