import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SocketIO

/// One Engine.IO session over HTTP long-polling: an `EngineIOSession` fed by the client's
/// POSTs, answering through a `PollingOutput` that the client's GETs drain. Requests arrive
/// on any event loop and hop to the session's.
final class PollingSession: Sendable {
    let session: EngineIOSession
    private let output: NIOLoopBound<PollingOutput>
    var connection: SocketConnection { self.session.connection }
    var eventLoop: any EventLoop { self.session.eventLoop }

    /// Why a request of the session is refused (Engine.IO answers each with a 400).
    enum Refusal: Error, Equatable {
        /// A GET while another GET still waits.
        case overlappingPoll
        /// The session is on a WebSocket now.
        case upgraded
        /// A packet outside the protocol.
        case invalid
    }

    /// Told once the session is over, whatever ended it (it leaves the registry).
    private let ended: @Sendable () -> Void

    /// The client, as far as trusted proxies say: its sessions not yet signed in are bounded.
    let clientAddress: String?

    /// Made on the connection's event loop, with the output the connection writes to.
    init(session: EngineIOSession, output: PollingOutput, clientAddress: String?, ended: @escaping @Sendable () -> Void) {
        self.session = session
        self.clientAddress = clientAddress
        self.output = NIOLoopBound(output, eventLoop: session.eventLoop)
        self.ended = ended
    }

    func start() {
        self.output.value.onClose = self.transportClosed
        self.session.start()
    }

    /// The transport ended (polling, or the WebSocket it upgraded to): the session stops,
    /// and is over at once, or once the client collected the server's last words (within a
    /// few seconds).
    private func transportClosed(_ reason: EngineIOStateMachine.CloseReason) {
        self.session.transportEnded()
        guard self.output.value.lingering else { return self.ended() }
        // After a DISCONNECT the client's own close packet may still come: kept the few
        // seconds; otherwise, until the last words are collected.
        if reason != .ended { self.output.value.onDrained = self.ended }
        self.eventLoop.scheduleTask(in: .seconds(5)) { self.ended() }
    }

    private let upgradeClaimed = NIOLockedValueBox(false)

    /// Takes the session's one upgrade; false when a WebSocket already took it.
    func claimUpgrade() -> Bool {
        self.upgradeClaimed.withLockedValue { claimed in
            defer { claimed = true }
            return !claimed
        }
    }

    /// The client probed a WebSocket: its waiting GET is released.
    func probed() {
        self.eventLoop.execute { self.output.value.release() }
    }

    /// The client's `5` on the WebSocket: what is sent from now on goes there, what still
    /// waited first; GETs are refused.
    func upgrade(to channel: any Channel) {
        self.eventLoop.execute {
            guard !self.output.value.closing else { return }
            let relay = RelayedWebSocketOutput(channel: channel)
            relay.onClose = self.transportClosed
            // The polling output is done with, and never closed: its hook would hold the
            // session (which holds it) for good.
            self.output.value.onClose = nil
            for packet in self.output.value.handOver() { relay.send(packet) }
            self.connection.output.value.upgrade(to: relay)
        }
    }

    /// A packet that came over the upgraded WebSocket.
    func received(_ text: ByteBuffer) {
        self.eventLoop.execute { self.session.received(text) }
    }

    /// A GET: the packets waiting, or the next ones.
    func poll() -> EventLoopFuture<ByteBuffer> {
        self.eventLoop.flatSubmit {
            let promise = self.eventLoop.makePromise(of: ByteBuffer.self)
            if self.output.value.upgraded {
                promise.fail(Refusal.upgraded)
            } else if !self.output.value.collect(promise) {
                // Two GETs at once break the protocol: the session ends.
                self.session.close(.protocolViolation)
                promise.fail(Refusal.overlappingPoll)
            }
            return promise.futureResult
        }
    }

    /// A POST: its packets, separated by the record separator, in order.
    func post(_ body: ByteBuffer) -> EventLoopFuture<Void> {
        self.eventLoop.submit {
            // What a client says after its session ended (its own close packet, after a
            // DISCONNECT the server acted on) is taken and dropped, not refused.
            guard !self.output.value.closing else { return }
            guard !self.output.value.upgraded else { throw Refusal.upgraded }
            for packet in EngineIOPayload.frames(body) {
                self.session.received(packet)
                guard !self.output.value.closing else { break }
            }
            // A packet outside the protocol ended the session: the POST is refused too.
            if self.output.value.closeReason == .protocolViolation { throw Refusal.invalid }
        }
    }

    /// Ends the session from outside (the server shutting down).
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        self.eventLoop.execute { self.session.close(reason) }
    }
}

/// This gateway's polling sessions by Engine.IO id, bounded in number.
final class PollingSessions: Sendable {
    /// The sessions by Engine.IO id, and the ids of each client address's.
    private struct Registry {
        var sessions: [String: PollingSession] = [:]
        var byAddress: [String: Set<String>] = [:]
    }

    private let registry = NIOLockedValueBox(Registry())
    let capacity: Int
    /// Sessions not yet signed in one address may hold: 1,000 handshakes from one address
    /// once opened in under 2 s, and only `capacity` stopped them.
    let pendingPerAddress: Int

    /// Why a session was not added.
    enum Refusal: Error {
        /// The gateway holds `capacity` sessions.
        case full
        /// The address holds `pendingPerAddress` sessions not yet signed in.
        case tooManyPending
    }

    init(capacity: Int, pendingPerAddress: Int = .max) {
        self.capacity = capacity
        self.pendingPerAddress = pendingPerAddress
    }

    subscript(id: String) -> PollingSession? {
        self.registry.withLockedValue { $0.sessions[id] }
    }

    /// Adds the session, unless the gateway or the session's address holds too many: then
    /// why not.
    func add(_ session: PollingSession) -> Refusal? {
        self.registry.withLockedValue { registry in
            guard registry.sessions.count < self.capacity else { return .full }
            if let address = session.clientAddress {
                let ids = registry.byAddress[address, default: []]
                // Only this address's sessions are looked at: few, unless many people share it,
                // and then they sign in as they connect.
                if ids.count >= self.pendingPerAddress,
                    ids.count(where: { registry.sessions[$0]?.connection.identity == nil }) >= self.pendingPerAddress
                {
                    return .tooManyPending
                }
                registry.byAddress[address, default: []].insert(session.connection.engineID)
            }
            registry.sessions[session.connection.engineID] = session
            return nil
        }
    }

    func remove(_ id: String) {
        self.registry.withLockedValue { registry in
            guard let session = registry.sessions.removeValue(forKey: id), let address = session.clientAddress else { return }
            registry.byAddress[address]?.remove(id)
            if registry.byAddress[address]?.isEmpty == true { registry.byAddress[address] = nil }
        }
    }

    /// Ends every session: the server is going away, and a waiting GET must not hold its
    /// shutdown until the next ping.
    func closeAll(_ reason: EngineIOStateMachine.CloseReason) {
        for session in self.registry.withLockedValue({ Array($0.sessions.values) }) { session.close(reason) }
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
