import ChatModels
import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import ServiceKit
import SocketIO

/// One WebSocket connection's Engine.IO session, on its event loop: a thin handler that
/// feeds frames and timers to an `EngineIOStateMachine` and carries out what it answers.
/// Socket.IO packets go on to the connection's session through `inbound`; everything it
/// sends goes through the connection's `SocketOutput`. When the server quiesces (SIGTERM),
/// the socket is closed as going away, so clients reconnect elsewhere.
final class EngineIOHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let settings: RealtimeSettings
    private let connection: SocketConnection
    private let inbound: any SocketPacketSink
    private let logger: Logger

    private var state: EngineIOStateMachine
    private var pings: RepeatedTask?
    private var pongDeadline: Scheduled<Void>?
    private var connectDeadline: Scheduled<Void>?
    private var output: SocketOutput { self.connection.output.value }
    /// Made when something is logged: a logger of its own per socket would hold a dictionary each.
    private var metadata: Logger.Metadata { ["socket.id": .string(self.connection.engineID)] }

    init(settings: RealtimeSettings, connection: SocketConnection, inbound: any SocketPacketSink, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.inbound = inbound
        self.logger = logger
        self.state = EngineIOStateMachine(eventBurst: settings.eventBurst, eventsPerSecond: settings.eventsPerSecond)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let open = SocketIOFrame.open(
            sid: self.connection.engineID,
            pingInterval: self.settings.pingInterval,
            pingTimeout: self.settings.pingTimeout,
            maxPayload: self.settings.maxPayload
        )
        self.output.send(open)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let interval = TimeAmount(self.settings.pingInterval)
        self.pings = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            handler.run(handler.state.pingDue(), context: context)
        }
        self.connectDeadline = context.eventLoop.scheduleTask(in: TimeAmount(self.settings.connectTimeout)) {
            let (handler, context) = loopBound.value
            handler.run(handler.state.connectDeadlinePassed(), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.output.closing else { return }
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.run(self.state.textReceived(frame.unmaskedData), context: context)
        case .binary:
            self.run(self.state.binaryReceived(), context: context)
        case .ping:
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            self.run(self.state.close(.clientClosed), context: context)
        default:
            self.run(self.state.close(.protocolViolation), context: context)
        }
    }

    private func run(_ action: EngineIOStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .ping(let awaitPong):
            self.output.send(SocketIOFrame.ping)
            guard awaitPong else { return }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.pongDeadline = context.eventLoop.scheduleTask(in: TimeAmount(self.settings.pingTimeout)) {
                let (handler, context) = loopBound.value
                handler.run(handler.state.pongDeadlinePassed(), context: context)
            }
        case .cancelPongDeadline:
            self.pongDeadline?.cancel()
            self.pongDeadline = nil
        case .deliver(let packet, let connected):
            if connected {
                self.connectDeadline?.cancel()
                self.connectDeadline = nil
            }
            if !self.inbound.accept(packet) { self.run(self.state.inboxOverflowed(), context: context) }
        case .refuse(let ackID):
            self.connection.ack(ackID, error: .rateLimited)
        case .close(let reason):
            self.close(reason)
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
            self.run(self.state.close(.serverShutdown), context: context)
        case ChannelEvent.inputClosed:
            // The server lets HTTP clients half-close; a WebSocket client that has stopped
            // sending is gone, and waiting for its pong would hold the socket for a minute.
            self.run(self.state.close(.clientClosed), context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stopTimers()
        self.inbound.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("socket error", metadata: self.metadata.merging(["error": "\(error)"]) { $1 })
        self.run(self.state.close(.protocolViolation), context: context)
    }

    private func stopTimers() {
        self.pings?.cancel()
        self.pongDeadline?.cancel()
        self.connectDeadline?.cancel()
        self.pings = nil
        self.pongDeadline = nil
        self.connectDeadline = nil
    }

    /// Sends a close frame and closes; what arrives meanwhile is ignored.
    private func close(_ reason: EngineIOStateMachine.CloseReason) {
        guard !self.output.closing else { return }
        switch reason {
        case .noConnect: self.logger.debug("no CONNECT in time", metadata: self.metadata)
        case .pongTimeout: self.logger.debug("pong timeout", metadata: self.metadata)
        case .flooding: self.logger.info("disconnecting a client that keeps flooding", metadata: self.metadata)
        case .backlogged: self.logger.info("disconnecting a client whose events outpace their handling", metadata: self.metadata)
        case .clientClosed, .protocolViolation, .unexpectedBinary, .serverShutdown, .ended: break
        }
        self.stopTimers()
        self.inbound.finish()
        self.output.close(reason)
    }
}

extension APIError {
    /// An event past the connection's allowance.
    static let rateLimited = APIError(.tooManyRequests, code: "rate_limited", message: "Too many events, slow down", retryable: true)
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

@available(*, unavailable)
extension EngineIOHandler: Sendable {}
