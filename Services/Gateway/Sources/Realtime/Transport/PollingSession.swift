import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SocketIO

/// One Engine.IO session over HTTP long-polling: the same `EngineIOStateMachine` as a
/// WebSocket's, fed by the client's POSTs and the session's timers, answering through a
/// `PollingOutput` that the client's GETs drain. Its mutable state is only touched on its
/// event loop; requests arriving on other loops hop there.
final class PollingSession: @unchecked Sendable {
    let connection: SocketConnection
    var eventLoop: any EventLoop { self.connection.eventLoop }
    private let output: PollingOutput
    private let inbound: any SocketPacketSink
    private let settings: RealtimeSettings
    private let logger: Logger
    private var state: EngineIOStateMachine
    private var pings: RepeatedTask?
    private var pongDeadline: Scheduled<Void>?
    private var connectDeadline: Scheduled<Void>?

    /// Why a request of the session is refused (Engine.IO answers both with a 400).
    enum Refusal: Error, Equatable {
        /// A GET while another GET still waits.
        case overlappingPoll
        /// The session ended.
        case closed
    }

    init(
        connection: SocketConnection,
        output: PollingOutput,
        inbound: any SocketPacketSink,
        settings: RealtimeSettings,
        logger: Logger
    ) {
        self.connection = connection
        self.output = output
        self.inbound = inbound
        self.settings = settings
        self.logger = logger
        self.state = EngineIOStateMachine(eventBurst: settings.eventBurst, eventsPerSecond: settings.eventsPerSecond)
    }

    /// Starts the timers; `ended` is told when the session ends, whatever ends it.
    func start(ended: @escaping @Sendable () -> Void) {
        self.eventLoop.assertInEventLoop()
        self.output.onClose = { [self] reason in
            self.stopTimers()
            self.inbound.finish()
            if reason == .pongTimeout { self.logger.debug("polling session timed out", metadata: self.metadata) }
            // Kept a moment, so that the client's next GET collects the last packets.
            self.eventLoop.scheduleTask(in: .seconds(5)) { ended() }
        }
        let interval = TimeAmount(self.settings.pingInterval)
        self.pings = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            self.run(self.state.pingDue())
        }
        self.connectDeadline = self.eventLoop.scheduleTask(in: TimeAmount(self.settings.connectTimeout)) {
            self.run(self.state.connectDeadlinePassed())
        }
    }

    /// A GET: the packets waiting, or the next ones.
    func poll() -> EventLoopFuture<ByteBuffer> {
        self.eventLoop.flatSubmit {
            let promise = self.eventLoop.makePromise(of: ByteBuffer.self)
            guard self.output.collect(promise) else {
                // Two GETs at once break the protocol: the session ends.
                self.run(self.state.close(.protocolViolation))
                promise.fail(Refusal.overlappingPoll)
                return promise.futureResult
            }
            return promise.futureResult
        }
    }

    /// A POST: its packets, separated by the record separator, in order.
    func post(_ body: ByteBuffer) -> EventLoopFuture<Void> {
        self.eventLoop.submit {
            guard !self.output.closing else { throw Refusal.closed }
            for packet in body.readableBytesView.split(separator: PollingOutput.separator, omittingEmptySubsequences: false) {
                self.run(self.state.textReceived(ByteBuffer(bytes: packet)))
                guard !self.output.closing else { break }
            }
        }
    }

    /// Ends the session from outside (the server shutting down).
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        self.eventLoop.execute { self.run(self.state.close(reason)) }
    }

    private func run(_ action: EngineIOStateMachine.Action) {
        switch action {
        case .none:
            break
        case .ping(let awaitPong):
            self.output.send(SocketIOFrame.ping)
            guard awaitPong else { return }
            self.pongDeadline = self.eventLoop.scheduleTask(in: TimeAmount(self.settings.pingTimeout)) {
                self.run(self.state.pongDeadlinePassed())
            }
        case .cancelPongDeadline:
            self.pongDeadline?.cancel()
            self.pongDeadline = nil
        case .deliver(let packet, let connected):
            if connected {
                self.connectDeadline?.cancel()
                self.connectDeadline = nil
            }
            if !self.inbound.accept(packet) { self.run(self.state.inboxOverflowed()) }
        case .refuse(let ackID):
            self.connection.ack(ackID, error: .rateLimited)
        case .close(let reason):
            self.output.close(reason)
        }
    }

    private func stopTimers() {
        self.pings?.cancel()
        self.pongDeadline?.cancel()
        self.connectDeadline?.cancel()
        self.pings = nil
        self.pongDeadline = nil
        self.connectDeadline = nil
    }

    private var metadata: Logger.Metadata { ["socket.id": .string(self.connection.engineID)] }
}

/// This gateway's polling sessions by Engine.IO id, bounded in number.
final class PollingSessions: Sendable {
    private let sessions = NIOLockedValueBox<[String: PollingSession]>([:])
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(id: String) -> PollingSession? {
        self.sessions.withLockedValue { $0[id] }
    }

    /// Adds the session; false when the gateway holds as many as it may.
    func add(_ session: PollingSession) -> Bool {
        self.sessions.withLockedValue { sessions in
            guard sessions.count < self.capacity else { return false }
            sessions[session.connection.engineID] = session
            return true
        }
    }

    func remove(_ id: String) {
        self.sessions.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    /// Ends every session: the server is going away, and a waiting GET must not hold its
    /// shutdown until the next ping.
    func closeAll(_ reason: EngineIOStateMachine.CloseReason) {
        for session in self.sessions.withLockedValue({ Array($0.values) }) { session.close(reason) }
    }
}

/// Tells the polling sessions when the server quiesces: it quiesces every HTTP connection,
/// and one of them is enough.
final class PollingQuiesceRelay: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    let sessions: PollingSessions

    init(sessions: PollingSessions) {
        self.sessions = sessions
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { self.sessions.closeAll(.serverShutdown) }
        context.fireUserInboundEventTriggered(event)
    }
}
