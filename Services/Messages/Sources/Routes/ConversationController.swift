import Auth
import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import ServiceClients
import ServiceKit

/// `/api/chat/conversations[/{id}[/read|/unread]]`.
struct ConversationController: Sendable {
    let users: UserStore
    let conversations: ConversationStore
    let groups: GroupStore
    let blocks: BlockStore
    let events: MessageEvents
    let limits: MessageLimits
    let policy: ContactPolicy

    func register(on chat: RouterGroup<ChatRequestContext>) {
        chat.get(RouterPath(MessagesAPI.conversations.pattern), use: self.list)
        chat.post(RouterPath(MessagesAPI.conversations.pattern), use: self.create)
        chat.get(RouterPath(MessagesAPI.conversation.pattern), use: self.show)
        chat.patch(RouterPath(MessagesAPI.conversation.pattern), use: self.update)
        chat.post(RouterPath(MessagesAPI.markRead.pattern), use: self.markRead)
        chat.post(RouterPath(MessagesAPI.markUnread.pattern), use: self.markUnread)
    }

    /// A plain array, as ever, newest activity first; the next page's URL is in
    /// `Link: <…>; rel="next"`.
    @Sendable func list(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[Conversation]> {
        let identity = try context.requireIdentity()
        let limit = try request.queryInteger("limit", in: 1...200) ?? 100
        let after = try request.uri.queryParameters["cursor"].map { text throws(APIError) in
            guard let cursor = TimeCursor(text: String(text)) else { throw APIError.badRequest("'cursor' is not one this API gave") }
            return cursor
        }
        let (conversations, next) = try await self.conversations.list(for: identity.userID, limit: limit, after: after)
        var headers: HTTPFields = [:]
        if let next {
            let query = [(name: "limit", value: String(limit)), (name: "cursor", value: next.text)]
            headers[HTTPField.Name("Link")!] = "<\(MessagesAPI.conversations.path(query: query))>; rel=\"next\""
        }
        return JSONResponse(conversations, headers: headers)
    }

    @Sendable func show(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        // One who left a group sees it as it was for them (`departure`).
        _ = try await self.conversations.readWindow(conversationID: id, userID: identity.userID)
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    /// A group's new title or description, by its owner or an admin: a SYSTEM message says
    /// so in the group, and every member's page has it.
    @Sendable func update(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: UpdateConversationRequest.self, context: context)
        guard body.title != nil || body.description != nil else {
            throw APIError.validation("Give the new 'title' or 'description'", field: "title")
        }
        let title = try body.title.map { title throws(APIError) in try Validate.name(title, field: "title", maxLength: 200) }
        // An empty description removes it.
        let description: String?? = try body.description.map { text throws(APIError) in
            try Validate.optionalText(text, field: "description", maxLength: 1000, multiline: true)
        }
        if let change = try await self.groups.edit(id, title: title, description: description, by: identity.userID) {
            await self.events.groupChanged(change, in: self.conversations)
            await self.events.conversationsChanged([id], in: self.conversations)
        }
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    /// 201 with a new conversation, or 200 with the existing direct one.
    @Sendable func create(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        try identity.requireVerifiedEmail()
        let body = try await request.decodeJSON(as: CreateConversationRequest.self, context: context)
        var otherIDs = (body.participantIds ?? []) + (body.expertId.map { [$0] } ?? [])
        otherIDs = Array(Set(otherIDs).subtracting([identity.userID]))
        guard !otherIDs.isEmpty else { throw APIError.validation("'participantIds' must name at least one other user") }
        let most = min(self.limits.maxParticipants, self.limits.maxGroupMembers - 1)
        guard otherIDs.count <= most else { throw APIError.validation("A conversation has at most \(most) other participants") }
        let title = try body.title.map { title throws(APIError) in try Validate.name(title, field: "title", maxLength: 200) }
        let others = try await self.users.users(ids: otherIDs)
        guard others.count == otherIDs.count else { throw APIError.validation("Unknown participant") }
        if let expertID = body.expertId, others.first(where: { $0.id == expertID })?.role != .expert {
            throw APIError.validation("'expertId' must name an expert")
        }
        guard let creator = try await self.users.user(id: identity.userID) else { throw APIError.invalidToken }
        var refusal = self.policy.refusal(creator: creator.role, others: others.map(\.role))
        if refusal == nil, !(try await self.blocks.relations(of: creator.id, among: otherIDs)).isEmpty {
            refusal = APIError(.contactNotAllowed, "You cannot start a conversation with this person")
        }
        if let refusal {
            // What the caller may not open may exist already (the student opened it, and the
            // expert asks for it again; a block came after it): that one is given back.
            guard others.count == 1, title == nil,
                let existing = try await self.conversations.directConversation(between: creator.id, and: others[0].id)
            else { throw refusal }
            return JSONResponse(try await self.conversations.conversation(existing, for: identity.userID), status: .ok)
        }

        let result = try await self.conversations.create(creator: creator, others: others, title: title, perHour: self.limits.conversationsPerHour)
        if result.created { await self.events.conversationCreated(memberIDs: [creator.id] + otherIDs) }
        if let welcome = result.welcome {
            await self.events.stored(welcome, memberIDs: [creator.id] + otherIDs)
            await self.events.conversationsChanged([result.id], in: self.conversations)
        }
        let conversation = try await self.conversations.conversation(result.id, for: identity.userID)
        return JSONResponse(conversation, status: result.created ? .created : .ok)
    }

    @Sendable func markRead(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<ReadReceipt> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: MarkReadRequest.self, context: context)
        let target: ReadTarget
        switch (body.seq, body.messageId) {
        case (let seq?, nil) where seq >= 0: target = .seq(seq)
        case (nil, let messageID?): target = .message(MessageIDs.stored(messageID))
        case (_?, _?): throw APIError.validation("Give 'seq' or 'messageId', not both")
        case (_?, nil): throw APIError.validation("'seq' must not be negative")
        case (nil, nil): throw APIError.validation("Give 'seq' or 'messageId'")
        }
        _ = try await self.conversations.requireMember(conversationID: id, userID: identity.userID)
        let (receipt, moved, members) = try await self.conversations.markRead(conversationID: id, userID: identity.userID, upTo: target)
        if moved { await self.events.read(receipt, memberIDs: members) }
        // The reader's other devices: their count for it.
        await self.events.conversationsChanged([id], for: identity.userID, in: self.conversations)
        return JSONResponse(receipt)
    }

    /// From `messageId` on, unread again for the caller: their list counts it, on every
    /// device; others still see it read.
    @Sendable func markUnread(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<ConversationUpdated> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: MarkUnreadRequest.self, context: context)
        _ = try await self.conversations.requireMember(conversationID: id, userID: identity.userID)
        try await self.conversations.markUnread(conversationID: id, userID: identity.userID, from: MessageIDs.stored(body.messageId))
        // Read once: the caller's answer and their other devices' event.
        let updates = try await self.conversations.updates(of: [id], for: identity.userID)
        guard let update = updates.first?.update else { throw APIError.forbidden("You are not a member of this conversation") }
        await self.events.conversationsUpdated(updates)
        return JSONResponse(update)
    }
}
