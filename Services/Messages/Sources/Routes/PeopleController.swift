import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import ServiceClients
import ServiceKit

/// People: the experts directory (`/api/chat/experts`), profiles (`PATCH /api/me`,
/// `GET /api/users/{id}`), and the picture uploads sets (`/internal/users/{id}/avatar`).
/// A profile change goes out as `user_updated` to whoever shares a conversation with the user.
struct PeopleController: Sendable {
    let users: UserStore
    let conversations: ConversationStore
    let directory: ExpertDirectory
    let online: OnlineUsers
    let events: MessageEvents

    func register(chat: RouterGroup<ChatRequestContext>, api: RouterGroup<ChatRequestContext>, service: RouterGroup<ChatRequestContext>) {
        chat.get(RouterPath(MessagesAPI.experts.pattern), use: self.experts)
        api.patch(RouterPath(MessagesAPI.me.pattern), use: self.updateProfile)
        api.get(RouterPath(MessagesAPI.user.pattern), use: self.user)
        service.put(RouterPath(MessagesAPI.avatar.pattern), use: self.setAvatar)
        service.delete(RouterPath(MessagesAPI.avatar.pattern), use: self.clearAvatar)
    }

    /// A plain array, as ever; the next page's URL is in `Link: <…>; rel="next"`.
    @Sendable func experts(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[User]> {
        let identity = try context.requireIdentity()
        let q = request.queryText("q")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard q.count <= DirectoryQuery.maxLength, !q.utf8.contains(0) else {
            throw APIError.badRequest("'q' must be at most \(DirectoryQuery.maxLength) characters")
        }
        let cursor = try request.uri.queryParameters["cursor"].map { text throws(APIError) in
            guard let cursor = DirectoryCursor(text: String(text)) else { throw APIError.badRequest("'cursor' is not one this API gave") }
            return cursor
        }
        let query = DirectoryQuery(
            terms: DirectoryQuery.terms(q),
            onlineOnly: try request.queryBool("online") ?? false,
            limit: try request.queryInteger("limit", in: 1...500) ?? 200,
            cursor: cursor
        )
        let online = await self.online.all()
        guard online != nil || !query.onlineOnly else { throw APIError.unavailable("Who is online cannot be told now; try again") }
        let (experts, next) = try await self.directory.page(query, online: online)
        var headers: HTTPFields = [:]
        if let next {
            var parameters: [(name: String, value: String)] = [("limit", String(query.limit)), ("cursor", next.text)]
            if !q.isEmpty { parameters.append(("q", q)) }
            if query.onlineOnly { parameters.append(("online", "true")) }
            headers[HTTPField.Name("Link")!] = "<\(MessagesAPI.experts.path(query: parameters))>; rel=\"next\""
        }
        return JSONResponse(experts.map { $0.seen(by: identity.userID) }, headers: headers)
    }

    @Sendable func user(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        guard var user = try await self.users.user(id: id) else { throw APIError.notFound("No such user") }
        user.online = await self.online.isOnline(id)
        return JSONResponse(user.seen(by: identity.userID))
    }

    @Sendable func updateProfile(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(as: ProfileChange.self, context: context)
        let change = try Validate.profile(body, role: identity.role)
        guard let user = try await self.users.update(identity.userID, change) else { throw APIError.invalidToken }
        await self.events.userUpdated(user, in: self.conversations)
        return JSONResponse(user)
    }

    /// `AvatarRecord` from uploads, which stored the picture: the user's `avatarUrl` moves to it.
    @Sendable func setAvatar(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let id = try context.parameters.require("id", as: UUID.self)
        let record = try await request.decodeJSON(as: AvatarRecord.self, context: context)
        return try await self.avatar(of: id, storageKey: record.storageKey, url: UploadsAPI.avatarURL(sha256: record.sha256))
    }

    @Sendable func clearAvatar(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        try await self.avatar(of: try context.parameters.require("id", as: UUID.self), storageKey: nil, url: nil)
    }

    private func avatar(of id: UUID, storageKey: String?, url: String?) async throws -> JSONResponse<User> {
        guard let user = try await self.users.setAvatar(id, storageKey: storageKey, url: url) else { throw APIError.notFound("No such user") }
        await self.events.userUpdated(user, in: self.conversations)
        return JSONResponse(user)
    }
}
