import Auth
import ChatModels
import Foundation
import NIOCore
import ServiceClients

/// One client event being handled: who sent it, on which connection, and its ack.
struct EventCall: Sendable {
    let connection: SocketConnection
    let context: RealtimeContext
    let userID: UUID
    /// The socket's token, for calls made on its user's behalf.
    let token: String
    let ackID: Int?

    /// Refuses what writes to others (a message, a call) from an account whose address is
    /// not confirmed, as its current token says.
    func requireVerifiedEmail() throws(APIError) {
        try self.connection.identity?.requireVerifiedEmail()
    }

    func ack(_ value: some Encodable) {
        self.connection.ack(self.ackID, value)
    }

    func ack(json: ByteBuffer) {
        self.connection.ack(self.ackID, json: json)
    }

    func ack(error: APIError) {
        self.connection.ack(self.ackID, error: error)
    }

    /// Takes what the event costs from the allowances its rate draws on (every event has
    /// drawn on the connection's before it got here).
    func draw(on rate: EventRate) throws(APIError) {
        switch rate {
        case .standard:
            return
        case .costly:
            let settings = self.context.settings
            guard self.connection.takeCostlyEvent(burst: settings.costlyEventBurst, perSecond: settings.costlyEventsPerSecond) else {
                throw APIError(.rateLimited, "Too many of these at once, slow down")
            }
        }
    }

    /// The sender may send an event of `access` about `conversationID` (403 or 404 otherwise).
    func checkAccess(_ access: EventAccess, to conversationID: UUID) async throws {
        let rooms = self.context.fanout.rooms
        switch access {
        case .signedIn:
            return
        case .joined:
            guard rooms.isInRoom(self.connection, conversation: conversationID) else {
                throw APIError(.notJoined, "Join the conversation first")
            }
        case .member:
            // Joined here, or found a member lately: asking messages on every event would
            // put a call in front of every send.
            if rooms.isInRoom(self.connection, conversation: conversationID)
                || self.context.memberships.isKnownMember(self.userID, of: conversationID)
            {
                return
            }
            _ = try await self.context.messages.membership(conversationID, token: self.token)  // members only
            self.context.memberships.remember(self.userID, of: conversationID)
        }
    }
}
