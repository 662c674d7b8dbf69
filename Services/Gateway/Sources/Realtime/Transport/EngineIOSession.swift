import Logging
import NIOCore
import SocketIO

/// One Engine.IO session on its event loop, whatever carries it: the `EngineIOStateMachine`,
/// the timers it asks for and the session's inbox. A transport feeds it what the client
/// sends and tells it when the transport is gone; the session answers through the
/// connection's `SocketOutput`. Its mutable state is only touched on its event loop.
final class EngineIOSession: @unchecked Sendable {
    let connection: SocketConnection
    private let inbound: any SocketPacketSink
    private let settings: RealtimeSettings
    private let logger: Logger
    private var state: EngineIOStateMachine
    private var pings: RepeatedTask?
    private var ended = false

    var eventLoop: any EventLoop { self.connection.eventLoop }
    private var output: SocketOutput { self.connection.output.value }

    init(connection: SocketConnection, inbound: any SocketPacketSink, settings: RealtimeSettings, logger: Logger) {
        self.connection = connection
        self.inbound = inbound
        self.settings = settings
        self.logger = logger
        self.state = EngineIOStateMachine(eventBurst: settings.eventBurst, eventsPerSecond: settings.eventsPerSecond)
    }

    /// The open packet the transport sends first; `upgrades`, the transports it may move to.
    func openPacket(upgrades: [String] = []) -> ByteBuffer {
        SocketIOFrame.open(
            sid: self.connection.engineID,
            pingInterval: self.settings.pingInterval,
            pingTimeout: self.settings.pingTimeout,
            maxPayload: self.settings.maxPayload,
            upgrades: upgrades
        )
    }

    /// Starts the pings and the first connect check.
    func start() {
        self.eventLoop.assertInEventLoop()
        let interval = TimeAmount(self.settings.pingInterval)
        self.pings = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            self.run(self.state.pingDue())
        }
        self.checkConnectLater()
    }

    /// A connect check a connect timeout from now. Like a pong deadline it is not cancelled
    /// when the session ends (see `EngineIOStateMachine.Action`): a closed session does nothing.
    private func checkConnectLater() {
        self.eventLoop.scheduleTask(in: TimeAmount(self.settings.connectTimeout)) { [weak self] in
            guard let self else { return }
            self.run(self.state.connectCheck(signedIn: self.connection.identity != nil))
        }
    }

    /// One Engine.IO packet from the client.
    func received(_ text: ByteBuffer) {
        self.run(self.state.textReceived(text))
    }

    /// A binary frame from the client (WebSocket only).
    func receivedBinary() {
        self.run(self.state.binaryReceived())
    }

    /// The transport or the server ends the session.
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        self.run(self.state.close(reason))
    }

    /// The transport is gone: no timer fires again, and the inbox ends after what it holds.
    func transportEnded() {
        guard !self.ended else { return }
        self.ended = true
        self.pings?.cancel()
        self.pings = nil
        self.inbound.finish()
    }

    private func run(_ action: EngineIOStateMachine.Action) {
        switch action {
        case .none:
            break
        case .ping(let deadline):
            self.output.send(SocketIOFrame.ping)
            guard let deadline else { return }
            self.eventLoop.scheduleTask(in: TimeAmount(self.settings.pingTimeout)) { [weak self] in
                guard let self else { return }
                self.run(self.state.pongDeadlinePassed(ping: deadline))
            }
        case .deliver(let packet):
            self.deliver(packet)
        case .deliverAndCheckConnect(let packet):
            self.deliver(packet)
            self.checkConnectLater()
        case .checkConnectAgain:
            self.checkConnectLater()
        case .refuse(let ackID):
            self.connection.ack(ackID, error: .rateLimited)
        case .close(let reason):
            self.log(reason)
            self.transportEnded()
            self.output.close(reason)
        }
    }

    private func deliver(_ packet: SocketIOPacket) {
        if !self.inbound.accept(packet) { self.run(self.state.inboxOverflowed()) }
    }

    private func log(_ reason: EngineIOStateMachine.CloseReason) {
        let metadata: Logger.Metadata = ["socket.id": .string(self.connection.engineID)]
        switch reason {
        case .noConnect: self.logger.debug("no CONNECT in time", metadata: metadata)
        case .pongTimeout: self.logger.debug("pong timeout", metadata: metadata)
        case .flooding: self.logger.info("disconnecting a client that keeps flooding", metadata: metadata)
        case .backlogged: self.logger.info("disconnecting a client whose events outpace their handling", metadata: metadata)
        case .clientClosed, .protocolViolation, .unexpectedBinary, .serverShutdown, .ended: break
        }
    }
}
