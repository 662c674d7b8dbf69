import Auth
import ChatModels
import Foundation
import JSONKit
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket
import ServiceKit
import SocketIO

/// One client connection as the rest of the gateway sees it: who it is once it has
/// connected, and a way to send it frames from any thread.
final class SocketConnection: Sendable {
    let eventLoop: any EventLoop
    /// Its writes, on `eventLoop`.
    let output: NIOLoopBound<SocketOutput>
    /// The Engine.IO session id.
    let engineID: String
    /// The opening request's `Authorization` header, which some clients send instead of
    /// `auth` (only it is kept: the whole header list would cost every socket its size).
    let authorization: String?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var authenticated: Authenticated?
        var connectAttempts = 0
        /// The allowance of `costly` events, made at the first one.
        var costlyEvents: TokenBucket?
    }

    /// A Socket.IO session: its token, and the timer that ends it when the token expires.
    private struct Authenticated {
        var verified: VerifiedToken
        var token: String
        var ids: SocketIDs
        var expiry: Scheduled<Void>
    }

    /// The Socket.IO session's ids, given in the CONNECT reply: `sid` (not the Engine.IO
    /// one) and, with recovery on, the private `pid` a client presents to get it back.
    struct SocketIDs: Sendable {
        var sid: String
        var pid: String?

        static func make(recoverable: Bool) -> SocketIDs {
            SocketIDs(sid: SessionID.make(), pid: recoverable ? SessionID.make() : nil)
        }

        var connectedFrame: ByteBuffer { SocketIOFrame.connected(sid: self.sid, pid: self.pid) }
    }

    /// Made on `eventLoop`, the one its transport's I/O runs on.
    init(engineID: String, eventLoop: any EventLoop, output: SocketOutput, authorization: String?) {
        self.engineID = engineID
        self.eventLoop = eventLoop
        self.output = NIOLoopBound(output, eventLoop: eventLoop)
        self.authorization = authorization
    }

    var identity: Identity? { self.state.withLockedValue { $0.authenticated?.verified.identity } }
    var userID: UUID? { self.identity?.userID }
    /// The bearer token the client connected with, for calls made on its behalf.
    var token: String? { self.state.withLockedValue { $0.authenticated?.token } }
    /// The token, with when it was issued and when it expires.
    var verifiedToken: VerifiedToken? { self.state.withLockedValue { $0.authenticated?.verified } }
    var ids: SocketIDs? { self.state.withLockedValue { $0.authenticated?.ids } }

    /// Starts the Socket.IO session, which ends (`41`, then a close) when the token
    /// expires: identity is fixed at CONNECT, so a socket must not outlive its token.
    func authenticate(_ verified: VerifiedToken, token: String, ids: SocketIDs) {
        let delay = TimeAmount.nanoseconds(Int64(max(0, verified.expires.timeIntervalSinceNow) * 1e9))
        // Not `[weak self]`: a weak reference gives the connection a side table, and every
        // retain of it (one a delivery) the slow path. `deinit` cancels this.
        let expiry = self.eventLoop.scheduleTask(in: delay) { [state = self.state, output = self.output] in
            guard state.withLockedValue({ $0.authenticated?.token }) == token else { return }
            Self.disconnect(output.value)
        }
        let replaced = self.state.withLockedValue { state in
            defer { state.authenticated = Authenticated(verified: verified, token: token, ids: ids, expiry: expiry) }
            return state.authenticated
        }
        replaced?.expiry.cancel()
    }

    /// Takes a renewed token for the session going on (`renew_token`); false if the session
    /// has ended meanwhile.
    func renew(_ verified: VerifiedToken, token: String) -> Bool {
        guard let ids = self.ids else { return false }
        self.authenticate(verified, token: token, ids: ids)
        return true
    }

    /// The Socket.IO session ended on the client's DISCONNECT; a new CONNECT may follow.
    func signOut() {
        self.state.withLockedValue { $0.authenticated.take() }?.expiry.cancel()
    }

    deinit {
        self.state.withLockedValue { $0.authenticated?.expiry.cancel() }
    }

    /// Counts a refused CONNECT; returns how many there have been.
    func countConnectAttempt() -> Int {
        self.state.withLockedValue { state in
            state.connectAttempts += 1
            return state.connectAttempts
        }
    }

    /// Takes one of the connection's `costly` events if its allowance has one left.
    func takeCostlyEvent(burst: Int, perSecond: Int, now: NIODeadline = .now()) -> Bool {
        self.state.withLockedValue { state in
            var bucket = state.costlyEvents ?? TokenBucket(burst: burst, perSecond: perSecond, now: now)
            defer { state.costlyEvents = bucket }
            return bucket.take(now: now)
        }
    }

    /// Sends one text frame (an Engine.IO packet).
    func send(_ text: ByteBuffer) {
        self.onLoop { $0.send(text) }
    }

    /// Answers an event's ack id with one value.
    func ack(_ id: Int?, _ value: some Encodable) {
        guard id != nil, let json = try? ChatJSON.encoder().encode(value) else { return }  // no ack asked, nothing to encode
        self.ack(id, json: ByteBuffer(bytes: json))
    }

    /// Answers an event's ack id with one value already in JSON.
    func ack(_ id: Int?, json: ByteBuffer) {
        guard let id else { return }
        self.send(SocketIOFrame.ack(id, data: json))
    }

    func ack(_ id: Int?, error: APIError) {
        self.ack(id, error.body)
    }

    /// Broadcasts wait until `recovered(replay:replayed:)`.
    func hold() {
        self.onLoop { $0.hold() }
    }

    /// A recovery is done: the replayed messages go first, then what was held, then the
    /// CONNECT reply (a client emits what came before it once connected).
    func recovered(replay: [ByteBuffer], replayed: [String: Int64], reply: ByteBuffer) {
        self.onLoop { output in
            output.release(replay: replay, replayed: replayed)
            output.send(reply)
        }
    }

    /// Ends the session: `41` (so a JS client does not reconnect on its own), then a clean close.
    func disconnect() {
        self.onLoop(Self.disconnect)
    }

    private static func disconnect(_ output: SocketOutput) {
        output.send(SocketIOFrame.disconnect)
        output.close(.ended)
    }

    /// Ends the transport, saying why its own way (a WebSocket close code).
    func close(_ reason: EngineIOStateMachine.CloseReason) {
        self.onLoop { $0.close(reason) }
    }

    private func onLoop(_ body: @escaping @Sendable (SocketOutput) -> Void) {
        if self.eventLoop.inEventLoop {
            body(self.output.value)
        } else {
            self.eventLoop.execute { body(self.output.value) }
        }
    }
}
