import AsyncHTTPClient
import ChatModels
import Foundation
import JSONKit
import NIOHTTP1

/// Calls to the messages service: on behalf of a user with their token (a socket's, an
/// uploader's), so that messages makes every access decision itself, and on the internal
/// routes with this service's own token.
public struct MessagesClient: Sendable {
    private let caller: ServiceCaller
    private let serviceToken: (@Sendable () async throws -> String)?

    /// `serviceToken` gives this service's own token, for the internal routes only.
    public init(client: HTTPClient, endpoint: ServiceEndpoint, serviceToken: (@Sendable () async throws -> String)? = nil) {
        self.caller = ServiceCaller(client: client, endpoint: endpoint, service: "messages")
        self.serviceToken = serviceToken
    }

    public func conversation(_ id: UUID, token: String) async throws -> Conversation {
        try await self.caller.call(.GET, MessagesAPI.conversation.path(id), token: token)
    }

    /// The conversation, if the caller is in it now: 403 for one who left it (they still
    /// read its past through `conversation`).
    public func membership(_ id: UUID, token: String) async throws -> Conversation {
        let conversation = try await self.conversation(id, token: token)
        guard conversation.departure == nil else { throw APIError.forbidden("You are no longer a member of this conversation") }
        return conversation
    }

    public func markRead(_ id: UUID, seq: Int64?, messageID: UUID?, token: String) async throws -> ReadReceipt {
        try await self.caller.call(.POST, MessagesAPI.markRead.path(id), token: token, body: MarkReadRequest(seq: seq, messageId: messageID))
    }

    public func markUnread(_ id: UUID, from messageID: UUID, token: String) async throws -> ConversationUpdated {
        try await self.caller.call(.POST, MessagesAPI.markUnread.path(id), token: token, body: MarkUnreadRequest(messageId: messageID))
    }

    public func history(_ id: UUID, after: Int64, limit: Int, token: String) async throws -> MessagePage {
        let path = MessagesAPI.messages.path(id, query: [("after", String(after)), ("limit", String(limit))])
        return try await self.caller.call(.GET, path, token: token)
    }

    public func changes(_ id: UUID, after changeSeq: Int64, limit: Int, token: String) async throws -> ChangePage {
        let path = MessagesAPI.changes.path(id, query: [("after", String(changeSeq)), ("limit", String(limit))])
        return try await self.caller.call(.GET, path, token: token)
    }

    public func search(_ search: SearchPayload, token: String) async throws -> SearchPage {
        var query: [(name: String, value: String)] = [("q", search.q)]
        if let id = search.conversationId { query.append(("conversationId", id.text())) }
        if let id = search.from { query.append(("from", id.text())) }
        if let date = search.after { query.append(("after", ChatJSON.format(date))) }
        if let date = search.before { query.append(("before", ChatJSON.format(date))) }
        if let limit = search.limit { query.append(("limit", String(limit))) }
        if let cursor = search.cursor { query.append(("cursor", cursor)) }
        return try await self.caller.call(.GET, MessagesAPI.search.path(query: query), token: token)
    }

    /// Makes the stored picture `user`'s (or, with nil, takes theirs away): their profile after.
    public func setAvatar(_ record: AvatarRecord?, of user: UUID) async throws -> User {
        let token = try await self.internalToken()
        guard let record else { return try await self.caller.call(.DELETE, MessagesAPI.avatar.path(user), token: token) }
        return try await self.caller.call(.PUT, MessagesAPI.avatar.path(user), token: token, body: record)
    }

    /// The group's picture set (or removed) for `actor`, if their role lets them.
    public func setGroupPicture(_ record: AvatarRecord?, of conversation: UUID, by actor: UUID) async throws -> Conversation {
        let body = GroupPictureChange(actorId: actor, picture: record)
        return try await self.caller.call(.PUT, MessagesAPI.groupPicture.path(conversation), token: try await self.internalToken(), body: body)
    }

    /// Who shares a conversation with `user`.
    public func contacts(of user: UUID) async throws -> Contacts {
        try await self.caller.call(.GET, MessagesAPI.contacts.path(user), token: try await self.internalToken())
    }

    /// The attachment, if `user` may see it; messages answers 403 or 404 otherwise.
    public func attachment(_ id: UUID, for user: UUID) async throws -> AttachmentRecord {
        let path = MessagesAPI.attachment.path(id, query: [("userId", user.text())])
        return try await self.caller.call(.GET, path, token: try await self.internalToken())
    }

    /// Which of `keys` an attachment still refers to.
    public func referenced(_ keys: [String]) async throws -> Set<String> {
        let answer: StorageKeys = try await self.caller.call(
            .POST,
            MessagesAPI.referencedStorageKeys.path(),
            token: try await self.internalToken(),
            body: StorageKeys(keys)
        )
        return Set(answer.storageKeys)
    }

    /// Whom `user` blocked or was blocked by.
    public func blockRelations(of user: UUID) async throws -> [UUID] {
        let relations: BlockRelations = try await self.caller.call(.GET, MessagesAPI.blockRelations.path(user), token: try await self.internalToken())
        return relations.userIds
    }

    private func internalToken() async throws -> String {
        guard let serviceToken else { throw APIError.internal }  // made without one: a wiring mistake
        return try await serviceToken()
    }
}
