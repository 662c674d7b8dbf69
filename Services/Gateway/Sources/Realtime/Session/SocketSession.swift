import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOWebSocket
import ServiceKit
import SocketIO

/// One connection's Socket.IO session, from CONNECT to the end: authenticates, answers
/// events in the order they come (a send's reply is awaited off the line, so a slow
/// store does not hold up the next event), and leaves everything behind when it ends.
/// Its packets come through a `SocketInbox`, one at a time.
struct SocketSession: SocketPacketHandler {
    let connection: SocketConnection
    let context: RealtimeContext

    static let maxConnectAttempts = 3
    /// Packets a connection may have waiting for their turn before it is let go, and their bytes.
    static let maxWaitingPackets = 256
    static let maxWaitingBytes = 1 << 20

    var logger: Logger { self.context.logger }

    func handle(_ packet: SocketIOPacket) async {
        switch (packet.type, self.connection.identity != nil) {
        case (.connect, _) where packet.namespace != "/":
            self.connection.send(SocketIOFrame.connectError(namespace: packet.namespace, message: "Invalid namespace"))
        case (_, _) where packet.namespace != "/":
            // A packet for a namespace it never joined (only "/" may be): the protocol says close.
            self.connection.close(.protocolViolation)
        case (.connect, false):
            let connected = await self.connect(packet)
            if !connected && self.connection.countConnectAttempt() >= Self.maxConnectAttempts { self.connection.close(.noConnect) }
        case (.connect, true):
            if let ids = self.connection.ids { self.connection.send(ids.connectedFrame) }
        case (_, false):
            // Nothing but CONNECT before CONNECT (the protocol says: close).
            self.connection.close(.noConnect)
        case (.event, true):
            await self.handleEvent(packet)
        case (.binaryEvent, true):
            self.connection.ack(packet.ackID, error: APIError.badRequest("Binary payloads are not supported; send files through the upload route"))
        case (.disconnect, true):
            // The client leaves the namespace: its rooms and presence go, while the Engine.IO
            // session stays until the client closes it (or stops answering pings) and may
            // CONNECT again, as the protocol has it.
            await self.end(recoverable: false)
            self.connection.signOut()
        case (.ack, true), (.binaryAck, true):
            break  // the server asks for no acks
        case (.connectError, true):
            self.connection.close(.protocolViolation)
        }
    }

    /// CONNECT to "/": the token is `auth.token` (or the upgrade's `Authorization` header);
    /// with recovery on, `auth.pid` and `auth.offset` ask for the session a dropped
    /// transport left behind.
    private func connect(_ packet: SocketIOPacket) async -> Bool {
        struct Auth: Decodable {
            var token: String?
            var pid: String?
            var offset: String?
        }
        let auth = packet.payload.readableBytes > 0 ? try? JSONDecoder().decode(Auth.self, from: packet.payload) : nil
        let fromHeader = (try? AuthMiddleware.bearerToken(authorization: self.connection.authorization)).map(String.init)
        guard let token = auth?.token ?? fromHeader else {
            self.refuse("A token is required: connect with auth {token}", code: .unauthorized)
            return false
        }
        guard let verified = try? await self.context.tokens.verifyToken(token) else {
            self.refuse("invalid token", code: .invalidToken)
            return false
        }
        let settings = self.context.settings
        if let total = await self.context.presence.connectionCount(of: verified.identity.userID), total >= settings.maxSocketsPerUserTotal {
            self.refuse("Too many connections: a user may hold \(settings.maxSocketsPerUserTotal) at once", code: .tooManyConnections)
            return false
        }
        guard self.context.fanout.rooms.register(self.connection, user: verified.identity.userID, limit: settings.maxSocketsPerUser) else {
            self.refuse("Too many connections: a user may hold \(settings.maxSocketsPerUser) on one gateway", code: .tooManyConnections)
            return false
        }
        if let recovery = self.context.recovery, let pid = auth?.pid, let record = await recovery.take(pid, user: verified.identity.userID) {
            await self.recover(record, offset: auth?.offset, verified: verified, token: token, recovery: recovery)
            return true
        }
        self.start(verified, token: token)
        return true
    }

    /// A new Socket.IO session (the socket is registered to its user): new ids, presence,
    /// the CONNECT reply.
    func start(_ verified: VerifiedToken, token: String) {
        let ids = SocketConnection.SocketIDs.make(recoverable: self.context.recovery != nil)
        self.connection.authenticate(verified, token: token, ids: ids)
        self.context.presence.report(.connected, self.connection)
        self.connection.send(ids.connectedFrame)
        self.logger.debug("connected", metadata: ["user.id": "\(verified.identity.userID)", "socket.id": "\(self.connection.engineID)"])
    }

    private func refuse(_ message: String, code: ErrorCode) {
        let data = ByteBuffer(string: #"{"code":"\#(code.rawValue)"}"#)
        self.connection.send(SocketIOFrame.connectError(message: message, data: data))
    }

    /// The transport is gone: with recovery on, the session is kept for the window.
    func end() async {
        await self.end(recoverable: true)
    }

    func end(recoverable: Bool) async {
        guard let identity = self.connection.identity else { return }
        if recoverable, let recovery = self.context.recovery, let ids = self.connection.ids, let pid = ids.pid {
            let rooms = self.context.fanout.rooms.positions(of: self.connection)
            await recovery.save(RecoveryRecord(user: identity.userID, sid: ids.sid, pid: pid, origin: recovery.origin, rooms: rooms))
        }
        await self.context.fanout.unregister(self.connection)
        self.context.presence.report(.disconnected, self.connection)
    }
}
