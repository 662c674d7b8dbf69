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
    /// Broadcasts kept back while a recovering socket's missed messages are replayed.
    private var held: [ServerFrame]?

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
        if self.held != nil {
            self.held!.append(frame)
            return
        }
        switch self.transport {
        case .webSocket(let output): output.write(frame)
        case .polling(let output): output.send(frame.payload)
        case .upgraded(let output): output.send(frame.payload)
        }
    }

    /// Keeps broadcasts back until `release`: the socket's replay goes first.
    func hold() {
        self.held = self.held ?? []
    }

    /// Sends the replayed packets, then the broadcasts held meanwhile but the messages the
    /// replay already carried (`replayed`: each room's newest replayed seq).
    func release(replay: [ByteBuffer], replayed: [String: Int64]) {
        let held = self.held ?? []
        self.held = nil
        for packet in replay { self.send(packet) }
        for frame in held {
            if let channel = frame.channel, let seq = frame.seq, let through = replayed[channel], seq <= through { continue }
            self.write(frame)
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
