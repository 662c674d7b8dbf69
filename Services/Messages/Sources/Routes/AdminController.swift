import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// What only admins do, under `/api/admin`: vouch for experts, work through the queue of
/// reports, lift suspensions, and read the audit log of every admin action. Anyone else is
/// refused 403 before anything is read.
struct AdminController: Sendable {
    let users: UserStore
    let conversations: ConversationStore
    let audit: AuditLog
    let reports: ReportStore
    let moderation: Moderation
    let events: MessageEvents

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.put(RouterPath(MessagesAPI.verified.pattern), use: self.verify)
        api.delete(RouterPath(MessagesAPI.verified.pattern), use: self.unverify)
        api.get(RouterPath(MessagesAPI.audit.pattern), use: self.auditPage)
        api.get(RouterPath(MessagesAPI.moderationQueue.pattern), use: self.queue)
        api.post(RouterPath(MessagesAPI.moderationActions.pattern), use: self.act)
        api.post(RouterPath(MessagesAPI.restore.pattern), use: self.restore)
    }

    /// `?state=open|dismissed|actioned` (open), `limit` 1–50 (20), `cursor`.
    @Sendable func queue(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<ReportPage> {
        let admin = try Self.requireAdmin(context)
        let state = try request.queryText("state").map { text throws(APIError) in
            guard let state = ReportState(rawValue: text) else { throw APIError.badRequest("'state' is open, dismissed or actioned") }
            return state
        }
        let cursor = try request.queryText("cursor").map { text throws(APIError) in
            guard let cursor = TimeCursor(text: text) else { throw APIError.badRequest("'cursor' is not one this API gave") }
            return cursor
        }
        let limit = try request.queryInteger("limit", in: 1...50) ?? 20
        return JSONResponse(try await self.reports.page(state: state ?? .open, limit: limit, after: cursor, admin: admin.userID))
    }

    @Sendable func act(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let admin = try Self.requireAdmin(context)
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: ModerationRequest.self, context: context)
        try await self.moderation.act(on: id, body, by: admin.userID)
        return Response(status: .noContent)
    }

    @Sendable func restore(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let admin = try Self.requireAdmin(context)
        let id = try context.parameters.require("id", as: UUID.self)
        guard try await self.moderation.restore(id, by: admin.userID) else { throw APIError.notFound("No such user") }
        return Response(status: .noContent)
    }

    @Sendable func verify(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        try await self.setVerified(true, context: context)
    }

    @Sendable func unverify(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        try await self.setVerified(false, context: context)
    }

    private func setVerified(_ verified: Bool, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let admin = try Self.requireAdmin(context)
        let id = try context.parameters.require("id", as: UUID.self)
        guard let user = try await self.users.setVerified(id, verified, by: admin.userID) else { throw APIError.notFound("No such user") }
        await self.events.userUpdated(user, in: self.conversations)
        return JSONResponse(user.seen(by: admin.userID))
    }

    @Sendable func auditPage(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuditPage> {
        _ = try Self.requireAdmin(context)
        let before = try request.queryText("cursor").map { text throws(APIError) in
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("'cursor' is not one this API gave") }
            return id
        }
        return JSONResponse(try await self.audit.page(limit: try request.queryInteger("limit", in: 1...200) ?? 50, before: before))
    }

    static func requireAdmin(_ context: ChatRequestContext) throws(APIError) -> Identity {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw APIError.forbidden("Only admins may do this") }
        return identity
    }
}
