import NIOCore
import NIOWebSocket

/// A long-polling session's WebSocket while it upgrades, and after: answers the probe,
/// releases the waiting GET, and on the client's `5` moves the session's output onto the
/// socket; from then on it hands every packet to the session, on the session's loop.
final class PollingUpgradeHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let polling: PollingSession
    private var upgraded = false
    private var closed = false

    init(polling: PollingSession) {
        self.polling = polling
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closed else { return }
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = frame.unmaskedData
            if self.upgraded {
                self.polling.received(text)
            } else if text.readableBytesView.elementsEqual("2probe".utf8) {
                context.writeAndFlush(
                    Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "3probe"))),
                    promise: nil
                )
                self.polling.probed()
            } else if text.readableBytesView.elementsEqual("5".utf8) {
                self.upgraded = true
                self.polling.upgrade(to: context.channel)
            } else {
                self.abandon(context: context, .protocolViolation)
            }
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            self.abandon(context: context, .clientClosed)
        default:
            self.abandon(context: context, .protocolViolation)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.upgraded && !self.closed { self.polling.close(.clientClosed) }
        self.closed = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.abandon(context: context, .protocolViolation)
    }

    /// Closes the socket: an upgraded session ends with it; one still upgrading goes on polling.
    private func abandon(context: ChannelHandlerContext, _ reason: EngineIOStateMachine.CloseReason) {
        guard !self.closed else { return }
        self.closed = true
        if self.upgraded { self.polling.close(reason) }
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension PollingUpgradeHandler: Sendable {}
