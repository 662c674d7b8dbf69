import ChatModels
import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import ServiceKit
import SocketIO

/// One WebSocket connection's Engine.IO session, on its event loop: a thin handler that
/// hands frames to the connection's `EngineIOSession` (which holds the protocol's rules
/// and timers) and answers WebSocket pings. When the server quiesces (SIGTERM), the socket
/// is closed as going away, so clients reconnect elsewhere.
final class EngineIOHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let session: EngineIOSession
    private let logger: Logger
    private var output: SocketOutput { self.session.connection.output.value }

    init(settings: RealtimeSettings, connection: SocketConnection, inbound: any SocketPacketSink, logger: Logger) {
        self.session = EngineIOSession(connection: connection, inbound: inbound, settings: settings, logger: logger)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.output.send(self.session.openPacket())
        self.session.start()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.output.closing else { return }
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.session.received(frame.unmaskedData)
        case .binary:
            self.session.receivedBinary()
        case .ping:
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            self.session.close(.clientClosed)
        default:
            self.session.close(.protocolViolation)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .webSocket(let output) = self.output.transport { output.writabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Going away, not a Socket.IO disconnect: clients reconnect (through the load
            // balancer, to another gateway) and catch up from the last seq they saw.
            self.session.close(.serverShutdown)
        case ChannelEvent.inputClosed:
            // The server lets HTTP clients half-close; a WebSocket client that has stopped
            // sending is gone, and waiting for its pong would hold the socket for a minute.
            self.session.close(.clientClosed)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.session.transportEnded()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("socket error", metadata: ["socket.id": .string(self.session.connection.engineID), "error": "\(error)"])
        self.session.close(.protocolViolation)
    }
}

@available(*, unavailable)
extension EngineIOHandler: Sendable {}

extension APIError {
    /// An event past the connection's allowance.
    static let rateLimited = APIError(.rateLimited, "Too many events, slow down")
}

extension EngineIOStateMachine.CloseReason {
    /// How a WebSocket says it (RFC 6455 close codes).
    var webSocketCode: WebSocketErrorCode {
        switch self {
        case .clientClosed, .pongTimeout, .ended: .normalClosure
        case .protocolViolation: .protocolError
        case .unexpectedBinary: .unacceptableData
        case .noConnect, .flooding, .backlogged: .policyViolation
        case .serverShutdown: .goingAway
        }
    }
}
