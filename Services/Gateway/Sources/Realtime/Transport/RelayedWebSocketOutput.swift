import NIOCore
import NIOWebSocket

/// The outbound side of a session that began on long-polling and was upgraded: its
/// WebSocket may live on another event loop than the session, so each packet is written
/// through the channel, which hops to its own loop (in order). Rare enough not to need the
/// direct writes and flush batching of `WebSocketOutput`.
final class RelayedWebSocketOutput {
    private let channel: any Channel
    private(set) var closing = false
    /// Told once when the transport ends.
    var onClose: ((EngineIOStateMachine.CloseReason) -> Void)?

    init(channel: any Channel) {
        self.channel = channel
    }

    func send(_ text: ByteBuffer) {
        guard !self.closing else { return }
        self.channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: text), promise: nil)
    }

    /// A close frame, then the connection closed; the session is told.
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        guard !self.closing else { return }
        self.closing = true
        var data = self.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: reason.webSocketCode)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
        self.onClose?(reason)
        self.onClose = nil
    }
}

@available(*, unavailable)
extension RelayedWebSocketOutput: Sendable {}
