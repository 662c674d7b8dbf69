import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// `/api/chat/conversations/{id}/messages[/{messageId}[/reactions/{emoji}]]`, `…/changes`
/// and `/api/chat/policy`: history, sending, edits, deletes, reactions, what changed since
/// and what is allowed.
struct MessageController: Sendable {
    let conversations: ConversationStore
    let messages: MessageStore
    let events: MessageEvents
    let limits: MessageLimits

    func register(on chat: RouterGroup<ChatRequestContext>) {
        chat.get(RouterPath(MessagesAPI.messages.pattern), use: self.history)
        chat.post(RouterPath(MessagesAPI.messages.pattern), use: self.send)
        chat.patch(RouterPath(MessagesAPI.message.pattern), use: self.edit)
        chat.delete(RouterPath(MessagesAPI.message.pattern), use: self.delete)
        chat.put(RouterPath(MessagesAPI.reaction.pattern), use: self.react)
        chat.delete(RouterPath(MessagesAPI.reaction.pattern), use: self.unreact)
        chat.get(RouterPath(MessagesAPI.changes.pattern), use: self.changes)
        chat.get(RouterPath(MessagesAPI.policy.pattern), use: self.policy)
    }

    @Sendable func policy(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<MessagePolicy> {
        _ = try context.requireIdentity()
        return JSONResponse(
            MessagePolicy(
                maxMessageLength: self.limits.maxContentLength,
                editWindowSeconds: self.limits.editWindow.map { Int($0.components.seconds) },
                maxReactionsPerMessage: self.limits.maxReactionsPerMessage
            )
        )
    }

    /// `?before=SEQ` pages back, `?after=SEQ` catches up, neither gives the newest.
    @Sendable func history(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<MessagePage> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let limit = try request.queryInteger("limit", in: 1...self.limits.maxPageSize) ?? 50
        let cursor: HistoryCursor
        switch (try request.queryInteger("before", in: Int64(0)...Int64.max), try request.queryInteger("after", in: Int64(0)...Int64.max)) {
        case (let before?, nil): cursor = .before(before)
        case (nil, let after?): cursor = .after(after)
        case (nil, nil): cursor = .latest
        case (_?, _?): throw APIError.badRequest("Give 'before' or 'after', not both")
        }
        let window = try await self.conversations.readWindow(conversationID: id, userID: identity.userID)
        return JSONResponse(
            try await self.messages.page(
                conversationID: id,
                cursor: cursor,
                limit: limit,
                maxBytes: self.limits.maxPageBytes,
                reader: identity.userID,
                window: window
            )
        )
    }

    /// `?after=CHANGESEQ`: every message changed since (new ones too), ascending by `changeSeq`.
    @Sendable func changes(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<ChangePage> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let limit = try request.queryInteger("limit", in: 1...self.limits.maxPageSize) ?? 100
        guard let after = try request.queryInteger("after", in: Int64(0)...Int64.max) else { throw APIError.badRequest("'after' is required") }
        let window = try await self.conversations.readWindow(conversationID: id, userID: identity.userID)
        return JSONResponse(
            try await self.messages.changes(
                conversationID: id,
                after: after,
                limit: limit,
                maxBytes: self.limits.maxPageBytes,
                reader: identity.userID,
                window: window
            )
        )
    }

    @Sendable func edit(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let body = try await request.decodeJSON(as: EditMessageRequest.self, context: context)
        return try await self.apply(.edit(content: try MessageRules.content(body.content, maxLength: self.limits.maxContentLength)), context)
    }

    @Sendable func delete(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        try await self.apply(.delete, context)
    }

    @Sendable func react(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        try await self.apply(.react(emoji: try Self.emoji(context)), context)
    }

    @Sendable func unreact(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        try await self.apply(.unreact(emoji: try Self.emoji(context)), context)
    }

    /// Applies the change and tells the conversation (again, for a retry: the first try may
    /// have committed and died before publishing; gateways deliver an event id once).
    private func apply(_ change: MessageChange, _ context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let messageID = MessageIDs.stored(try context.parameters.require("messageId", as: UUID.self))
        let outcome = try await self.messages.apply(change, to: messageID, in: id, by: identity.userID, rules: self.limits.changeRules)
        await self.events.changed(outcome)
        if outcome.changesSummaries { await self.events.conversationsChanged([id], in: self.conversations) }
        return JSONResponse(outcome.message)
    }

    /// The path's `{emoji}`, percent-decoded (the router hands segments on as they came).
    private static func emoji(_ context: ChatRequestContext) throws -> String {
        guard let raw = context.parameters.get("emoji"), let decoded = String(raw).removingPercentEncoding else {
            throw APIError.validation("'emoji' must be one emoji")
        }
        return try MessageRules.emoji(decoded)
    }

    /// 201 with the stored message, or 200 with the one already stored under this `clientMessageId`.
    @Sendable func send(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let identity = try context.requireIdentity()
        try identity.requireVerifiedEmail()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: SendMessageRequest.self, context: context)
        switch body.messageType ?? .text {
        case .text: break
        case .image, .file: throw APIError.validation("Files are sent through the upload route")
        case .system, .call: throw APIError.forbidden("SYSTEM and CALL messages are the server's own")
        }
        let content = try MessageRules.content(body.content, maxLength: self.limits.maxContentLength)
        let clientMessageID = try MessageRules.clientMessageID(body.clientMessageId)
        // Membership is checked where the message is stored, as for every other writer.
        let stored = try await self.messages.append(
            NewMessage(
                conversationID: id,
                senderID: identity.userID,
                content: content,
                type: .text,
                clientMessageID: clientMessageID,
                replyTo: body.replyTo.map(MessageIDs.stored)
            )
        )
        // Published again for a retry, as the stream consumer does: the first try may have
        // stored it and died before publishing, and gateways deliver a message id once.
        await self.events.stored(stored.message, memberIDs: stored.members)
        return JSONResponse(stored.message, status: stored.created ? .created : .ok)
    }
}
