import ChatModels
import EventBus
import Foundation
import HTTPTypes
import JSONKit
import NIOCore
import NIOFoundationCompat
import NIOWebSocket
import ServiceClients
import ServiceKit
import SocketIO

/// The events clients send. Each answers in its ack: `{ok: true, …}` or `{error: {code, message}}`.
extension SocketSession {
    func handleEvent(_ packet: SocketIOPacket) async {
        let event: SocketIOEvent
        do {
            event = try SocketIOEvent(packet: packet)
        } catch {
            return self.connection.close(.protocolViolation)  // the spec: an event must be a non-empty array
        }
        guard let identity = self.connection.identity, let token = self.connection.token else { return }
        let ack = event.ackID
        do {
            switch event.name {
            case "join_conversation":
                let conversationID = try self.conversationID(event)
                try self.checkRoomLimit(joining: conversationID)
                let before = try await self.context.messages.conversation(conversationID, token: token)  // members only
                try await self.context.fanout.join(self.connection, conversation: conversationID, lastSeq: before.lastSeq)
                // Read after subscribing: anything newer than this is delivered live.
                let conversation = try await self.context.messages.conversation(conversationID, token: token)
                self.connection.ack(ack, JoinAck(conversationId: conversationID, lastSeq: conversation.lastSeq))

            case "leave_conversation":
                await self.context.fanout.leave(self.connection, conversation: try self.conversationID(event))
                self.connection.ack(ack, OkAck())

            case "send_message":
                let payload = try SendMessagePayload(json: try self.payload(event))
                guard (payload.messageType ?? .text) == .text else {
                    throw APIError.validation("Only TEXT messages are sent this way; files go through the upload route")
                }
                // Checked before queueing, so nothing a store would refuse takes space in Redis.
                let content = try MessageRules.content(payload.content, maxLength: self.context.settings.maxContentLength)
                let clientMessageID = try MessageRules.clientMessageID(payload.clientMessageId) ?? "gw-" + UUID.random().text()
                try await self.checkMembership(payload.conversationId, token: token)
                let command = SendMessageCommand(
                    requestId: UUID.random().text(),
                    senderId: identity.userID,
                    conversationId: payload.conversationId,
                    content: content,
                    messageType: .text,
                    clientMessageId: clientMessageID
                )
                // A failure names the clientMessageId to resend with (made up here if the
                // client gave none).
                try await self.submit(command, ack: ack) { $0.resend(as: clientMessageID) }

            case "edit_message":
                let payload = try self.argument(event, EditMessagePayload.self)
                let content = try MessageRules.content(payload.content, maxLength: self.context.settings.maxContentLength)
                try await self.submitChange(.edit, payload.conversationId, payload.messageId, content: content, ack: ack, token: token)

            case "delete_message":
                let payload = try self.argument(event, MessageRef.self)
                try await self.submitChange(.delete, payload.conversationId, payload.messageId, ack: ack, token: token)

            case "add_reaction", "remove_reaction":
                let payload = try self.argument(event, ReactionPayload.self)
                let emoji = try MessageRules.emoji(payload.emoji)
                let change: MessageChangeCommand.Change = event.name == "add_reaction" ? .react : .unreact
                try await self.submitChange(change, payload.conversationId, payload.messageId, emoji: emoji, ack: ack, token: token)

            case "typing":
                let payload = try self.argument(event, TypingPayload.self)
                guard self.context.fanout.rooms.isInRoom(self.connection, conversation: payload.conversationId) else {
                    throw APIError(.forbidden, code: "not_joined", message: "Join the conversation first")
                }
                self.context.presence.report(.typing, self.connection, conversation: payload.conversationId, isTyping: payload.isTyping ?? true)
                self.connection.ack(ack, OkAck())

            case "mark_read":
                let payload = try self.argument(event, MarkReadPayload.self)
                let receipt = try await self.context.messages.markRead(
                    payload.conversationId,
                    seq: payload.seq,
                    messageID: payload.messageId,
                    token: token
                )
                self.connection.ack(ack, ReadAck(receipt))

            case "search_messages":
                let payload = try self.argument(event, SearchPayload.self)
                self.connection.ack(ack, SearchAck(try await self.context.messages.search(payload, token: token)))

            case "mark_unread":
                let payload = try self.argument(event, MarkUnreadPayload.self)
                let update = try await self.context.messages.markUnread(payload.conversationId, from: payload.messageId, token: token)
                self.connection.ack(ack, UnreadAck(update))

            case "sync_conversation":
                let payload = try self.argument(event, SyncPayload.self)
                let limit = min(max(payload.limit ?? 100, 1), 200)
                switch (payload.after, payload.changesAfter) {
                case (_, let changesAfter?):
                    let changes = try await self.context.messages.changes(payload.conversationId, after: changesAfter, limit: limit, token: token)
                    self.connection.ack(ack, SyncAck(conversationId: payload.conversationId, changes: changes))
                case (let after?, nil):
                    let page = try await self.context.messages.history(payload.conversationId, after: after, limit: limit, token: token)
                    self.connection.ack(ack, SyncAck(conversationId: payload.conversationId, page: page))
                case (nil, nil):
                    throw APIError.badRequest("Give 'after' (a seq) or 'changesAfter' (a changeSeq)")
                }

            case "user_online", "user_offline":
                let visible = event.name == "user_online"
                self.context.presence.report(.visibility, self.connection, visible: visible)
                self.connection.ack(ack, StatusAck(status: visible ? .online : .offline))

            default:
                throw APIError(.notFound, code: "unknown_event", message: "No such event: \(event.name)")
            }
        } catch {
            self.connection.ack(ack, error: APIError(error))
        }
    }

    /// Appends the command to the stream; its reply is awaited off the line and acked with
    /// the message it names. `failed` adds what a failure should say.
    private func submit(_ command: some StreamCommand, ack: Int?, failed: @escaping @Sendable (APIError) -> APIError = { $0 }) async throws {
        do {
            try await self.context.commands.submit(command).whenComplete { [connection] reply in
                do {
                    connection.ack(ack, json: MessageAck.json(message: try reply.get().messageJSON()))
                } catch {
                    connection.ack(ack, error: failed(APIError(error)))
                }
            }
        } catch {
            throw failed(APIError(error))
        }
    }

    /// An edit, a delete or a reaction down the durable stream, once the caller is found a member.
    private func submitChange(
        _ change: MessageChangeCommand.Change,
        _ conversationID: UUID,
        _ messageID: UUID,
        content: String? = nil,
        emoji: String? = nil,
        ack: Int?,
        token: String
    ) async throws {
        guard let user = self.connection.userID else { throw APIError.invalidToken }
        try await self.checkMembership(conversationID, token: token)
        let command = MessageChangeCommand(
            requestId: UUID.random().text(),
            userId: user,
            conversationId: conversationID,
            messageId: messageID,
            change: change,
            content: content,
            emoji: emoji
        )
        try await self.submit(command, ack: ack)
    }

    /// The caller is a member: it joined the room here, was found one lately, or messages
    /// says so now (403/404 otherwise).
    func checkMembership(_ conversationID: UUID, token: String) async throws {
        guard let user = self.connection.userID else { throw APIError.invalidToken }
        if self.context.fanout.rooms.isInRoom(self.connection, conversation: conversationID)
            || self.context.memberships.isKnownMember(user, of: conversationID)
        {
            return
        }
        _ = try await self.context.messages.conversation(conversationID, token: token)
        self.context.memberships.remember(user, of: conversationID)
    }

    /// A connection joins at most `maxRoomsPerSocket` conversations at once.
    func checkRoomLimit(joining conversationID: UUID) throws(APIError) {
        let rooms = self.context.fanout.rooms
        let limit = self.context.settings.maxRoomsPerSocket
        guard rooms.roomCount(self.connection) >= limit, !rooms.isInRoom(self.connection, conversation: conversationID) else { return }
        throw APIError(.tooManyRequests, code: "too_many_rooms", message: "A connection may join \(limit) conversations at once; leave one first")
    }

    /// The first argument as `T`; a missing or malformed one is a 400 naming the field.
    func argument<T: Decodable>(_ event: SocketIOEvent, _ type: T.Type) throws -> T {
        try ChatJSON.decoder().decode(T.self, from: try self.payload(event))
    }

    /// The first argument's JSON.
    func payload(_ event: SocketIOEvent) throws(APIError) -> ByteBuffer {
        guard let first = event.arguments.first else { throw APIError.badRequest("The event needs a payload") }
        return first
    }

    /// `{conversationId}`, or the bare id some clients send.
    func conversationID(_ event: SocketIOEvent) throws -> UUID {
        if let bare = event.arguments.first.flatMap(JSONString.decode) {
            guard let id = UUID(text: bare) else { throw APIError.badRequest("'conversationId' must be a UUID") }
            return id
        }
        return try self.argument(event, ConversationRef.self).conversationId
    }
}

extension MessageAck {
    /// `MessageAck`'s JSON around a stored message's JSON as the store sent it.
    static func json(message: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(message.readableBytes + 24)
        buffer.writeStaticString(#"{"ok":true,"message":"#)
        buffer.writeImmutableBuffer(message)
        buffer.writeStaticString("}")
        return buffer
    }
}
