import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// `/api/chat/conversations/{id}/messages`: history and sending.
struct MessageController: Sendable {
    let conversations: ConversationStore
    let messages: MessageStore
    let events: MessageEvents
    let limits: MessageLimits

    func register(on chat: RouterGroup<ChatRequestContext>) {
        chat.get(RouterPath(MessagesAPI.messages.pattern), use: self.history)
        chat.post(RouterPath(MessagesAPI.messages.pattern), use: self.send)
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
        _ = try await self.conversations.requireMember(conversationID: id, userID: identity.userID)
        return JSONResponse(try await self.messages.page(conversationID: id, cursor: cursor, limit: limit, maxBytes: self.limits.maxPageBytes))
    }

    /// 201 with the stored message, or 200 with the one already stored under this `clientMessageId`.
    @Sendable func send(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: SendMessageRequest.self, context: context)
        switch body.messageType ?? .text {
        case .text: break
        case .image, .file: throw APIError.validation("Files are sent through the upload route")
        case .system: throw APIError.forbidden("SYSTEM messages are the server's own")
        }
        let content = try MessageRules.content(body.content, maxLength: self.limits.maxContentLength)
        let clientMessageID = try MessageRules.clientMessageID(body.clientMessageId)
        // Membership is checked where the message is stored, as for every other writer.
        let stored = try await self.messages.append(
            NewMessage(conversationID: id, senderID: identity.userID, content: content, type: .text, clientMessageID: clientMessageID)
        )
        // Published again for a retry, as the stream consumer does: the first try may have
        // stored it and died before publishing, and gateways deliver a message id once.
        await self.events.stored(stored.message, memberIDs: stored.members)
        return JSONResponse(stored.message, status: stored.created ? .created : .ok)
    }
}
