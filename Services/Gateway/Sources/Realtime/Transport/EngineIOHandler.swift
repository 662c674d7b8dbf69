import ChatModels
import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import ServiceKit
import SocketIO

/// The Engine.IO side of one WebSocket connection, on its event loop: the open packet, the
/// server's pings and the pong deadline, packet parsing, the event rate limit, refusing
/// binary events. Socket.IO packets go on to the connection's session through `inbound`;
/// everything it sends goes through the connection's `SocketOutput`. When the server
/// quiesces (SIGTERM), the socket is closed as going away, so clients reconnect elsewhere.
final class EngineIOHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let settings: RealtimeSettings
    private let connection: SocketConnection
    private let inbound: any SocketPacketSink
    private let logger: Logger

    private var pings: RepeatedTask?
    private var pongDeadline: Scheduled<Void>?
    private var connectDeadline: Scheduled<Void>?
    private var events: TokenBucket
    private var refusedInARow = 0
    /// Binary attachments still expected for a refused binary packet.
    private var attachmentsToSkip = 0
    private var output: SocketOutput { self.connection.output.value }
    /// Made when something is logged: a logger of its own per socket would hold a dictionary each.
    private var metadata: Logger.Metadata { ["socket.id": .string(self.connection.engineID)] }

    init(settings: RealtimeSettings, connection: SocketConnection, inbound: any SocketPacketSink, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.inbound = inbound
        self.logger = logger
        self.events = TokenBucket(burst: settings.eventBurst, perSecond: settings.eventsPerSecond)
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
            handler.ping(context: context)
        }
        self.connectDeadline = context.eventLoop.scheduleTask(in: TimeAmount(self.settings.connectTimeout)) {
            let (handler, context) = loopBound.value
            handler.logger.debug("no CONNECT in time", metadata: handler.metadata)
            handler.close(context: context, code: .policyViolation)
        }
    }

    /// Engine.IO 4: the server pings; no pong within `pingTimeout` and the client is gone.
    private func ping(context: ChannelHandlerContext) {
        self.output.send(SocketIOFrame.ping)
        guard self.pongDeadline == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.pongDeadline = context.eventLoop.scheduleTask(in: TimeAmount(self.settings.pingTimeout)) {
            let (handler, context) = loopBound.value
            handler.logger.debug("pong timeout", metadata: handler.metadata)
            handler.close(context: context, code: .normalClosure)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.output.closing else { return }
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.read(text: frame.unmaskedData, context: context)
        case .binary:
            // Attachments of a binary packet we refused; any other binary frame is out of protocol.
            guard self.attachmentsToSkip > 0 else { return self.close(context: context, code: .unacceptableData) }
            self.attachmentsToSkip -= 1
        case .ping:
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            self.close(context: context, code: .normalClosure)
        default:
            self.close(context: context, code: .protocolError)
        }
    }

    private func read(text: ByteBuffer, context: ChannelHandlerContext) {
        guard self.attachmentsToSkip == 0, let packet = try? EngineIOPacket(parsing: text) else {
            return self.close(context: context, code: .protocolError)
        }
        switch packet.type {
        case .pong:
            self.pongDeadline?.cancel()
            self.pongDeadline = nil
        case .message:
            guard let message = try? SocketIOPacket(parsing: packet.payload) else {
                return self.close(context: context, code: .protocolError)
            }
            self.receive(message, context: context)
        case .close:
            self.close(context: context, code: .normalClosure)
        case .noop:
            break
        case .open, .ping, .upgrade:
            // A client never opens, and in Engine.IO 4 never pings; without polling there is no upgrade.
            self.close(context: context, code: .protocolError)
        }
    }

    private func receive(_ packet: SocketIOPacket, context: ChannelHandlerContext) {
        switch packet.type {
        case .connect:
            self.connectDeadline?.cancel()
            self.connectDeadline = nil
        case .event, .binaryEvent:
            self.attachmentsToSkip = packet.attachments
            guard self.events.take() else {
                self.refusedInARow += 1
                // Refusals are answered; only a client that keeps hammering is let go.
                if self.refusedInARow > max(10 * self.settings.eventBurst, 500) {
                    self.logger.info("disconnecting a client that keeps flooding", metadata: self.metadata)
                    return self.close(context: context, code: .policyViolation)
                }
                self.connection.ack(
                    packet.ackID,
                    error: APIError(.tooManyRequests, code: "rate_limited", message: "Too many events, slow down", retryable: true)
                )
                return
            }
            self.refusedInARow = 0
        case .binaryAck:
            self.attachmentsToSkip = packet.attachments
        case .disconnect, .ack, .connectError:
            break
        }
        if !self.inbound.accept(packet) {
            self.logger.info("disconnecting a client whose events outpace their handling", metadata: self.metadata)
            self.close(context: context, code: .policyViolation)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.output.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Going away, not a Socket.IO disconnect: clients reconnect (through the load
            // balancer, to another gateway) and catch up from the last seq they saw.
            self.close(context: context, code: .goingAway)
        case ChannelEvent.inputClosed:
            // The server lets HTTP clients half-close; a WebSocket client that has stopped
            // sending is gone, and waiting for its pong would hold the socket for a minute.
            self.close(context: context, code: .normalClosure)
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
        self.close(context: context, code: .protocolError)
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
    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !self.output.closing else { return }
        self.stopTimers()
        self.inbound.finish()
        self.output.close(code)
    }
}

@available(*, unavailable)
extension EngineIOHandler: Sendable {}
