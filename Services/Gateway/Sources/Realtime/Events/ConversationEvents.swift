import ChatModels
import Foundation
import ServiceClients

/// Joining and leaving a conversation's room, catching up with it, and reading it.
enum ConversationEvents {
    /// `join_conversation`: the socket gets the conversation's events from now on. Messages
    /// answers members only; the ack's `lastSeq` is read after subscribing, so anything
    /// newer is delivered live.
    @Sendable static func join(_ payload: ConversationRef, _ call: EventCall) async throws {
        let conversationID = payload.conversationId
        try Self.checkRoomLimit(call, joining: conversationID)
        let messages = call.context.messages
        let before = try await messages.membership(conversationID, token: call.token)
        try await call.context.fanout.join(call.connection, conversation: conversationID, lastSeq: before.lastSeq)
        // Read again once in the room: one removed meanwhile, whose departure this gateway
        // may have heard before the socket was in, does not stay.
        let conversation: Conversation
        do {
            conversation = try await messages.membership(conversationID, token: call.token)
        } catch {
            await call.context.fanout.leave(call.connection, conversation: conversationID)
            throw error
        }
        call.ack(JoinAck(conversationId: conversationID, lastSeq: conversation.lastSeq))
    }

    @Sendable static func leave(_ payload: ConversationRef, _ call: EventCall) async throws {
        await call.context.fanout.leave(call.connection, conversation: payload.conversationId)
        call.ack(OkAck())
    }

    /// `sync_conversation`: the messages after `after`, or with `changesAfter`, every message
    /// changed after that `changeSeq`.
    @Sendable static func sync(_ payload: SyncPayload, _ call: EventCall) async throws {
        let limit = min(max(payload.limit ?? 100, 1), 200)
        let messages = call.context.messages
        switch (payload.after, payload.changesAfter) {
        case (_, let changesAfter?):
            let changes = try await messages.changes(payload.conversationId, after: changesAfter, limit: limit, token: call.token)
            call.ack(SyncAck(conversationId: payload.conversationId, changes: changes))
        case (let after?, nil):
            let page = try await messages.history(payload.conversationId, after: after, limit: limit, token: call.token)
            call.ack(SyncAck(conversationId: payload.conversationId, page: page))
        case (nil, nil):
            throw APIError.badRequest("Give 'after' (a seq) or 'changesAfter' (a changeSeq)")
        }
    }

    @Sendable static func markRead(_ payload: MarkReadPayload, _ call: EventCall) async throws {
        let receipt = try await call.context.messages.markRead(
            payload.conversationId,
            seq: payload.seq,
            messageID: payload.messageId,
            token: call.token
        )
        call.ack(ReadAck(receipt))
    }

    @Sendable static func markUnread(_ payload: MarkUnreadPayload, _ call: EventCall) async throws {
        let update = try await call.context.messages.markUnread(payload.conversationId, from: payload.messageId, token: call.token)
        call.ack(UnreadAck(update))
    }

    /// A connection joins at most `maxRoomsPerSocket` conversations at once.
    private static func checkRoomLimit(_ call: EventCall, joining conversationID: UUID) throws(APIError) {
        let rooms = call.context.fanout.rooms
        let limit = call.context.settings.maxRoomsPerSocket
        guard rooms.roomCount(call.connection) >= limit, !rooms.isInRoom(call.connection, conversation: conversationID) else { return }
        throw APIError(.tooManyRooms, "A connection may join \(limit) conversations at once; leave one first")
    }
}
