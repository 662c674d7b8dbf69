import NIOCore

/// A socket's outbound side whatever carries it, confined to its event loop: a WebSocket
/// (frames written straight to the connection), long-polling (packets waiting for the
/// client's next GET), or the WebSocket a polling session upgraded to.
final class SocketOutput {
    enum Transport {
        case webSocket(WebSocketOutput)
        case polling(PollingOutput)
        case upgraded(RelayedWebSocketOutput)
    }

    private(set) var transport: Transport

    init(_ transport: Transport) {
        self.transport = transport
    }

    /// A polling session's upgrade: what is sent from now on goes over the WebSocket.
    func upgrade(to output: RelayedWebSocketOutput) {
        self.transport = .upgraded(output)
    }

    /// One Engine.IO packet.
    func send(_ text: ByteBuffer) {
        switch self.transport {
        case .webSocket(let output): output.send(text)
        case .polling(let output): output.send(text)
        case .upgraded(let output): output.send(text)
        }
    }

    /// A broadcast's packet, framed once for every socket it goes to.
    func write(_ frame: ServerFrame) {
        switch self.transport {
        case .webSocket(let output): output.write(frame)
        case .polling(let output): output.send(frame.payload)
        case .upgraded(let output): output.send(frame.payload)
        }
    }

    var closing: Bool {
        switch self.transport {
        case .webSocket(let output): output.closing
        case .polling(let output): output.closing
        case .upgraded(let output): output.closing
        }
    }

    /// Ends the session's transport, saying why its own way.
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        switch self.transport {
        case .webSocket(let output): output.close(reason.webSocketCode)
        case .polling(let output): output.close(reason)
        case .upgraded(let output): output.close(reason)
        }
    }
}

@available(*, unavailable)
extension SocketOutput: Sendable {}
