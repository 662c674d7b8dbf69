import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// What only admins do, under `/api/admin`: vouch for experts, and read the audit log of
/// every admin action. Anyone else is refused 403 before anything is read.
struct AdminController: Sendable {
    let users: UserStore
    let conversations: ConversationStore
    let audit: AuditLog
    let events: MessageEvents

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.put(RouterPath(MessagesAPI.verified.pattern), use: self.verify)
        api.delete(RouterPath(MessagesAPI.verified.pattern), use: self.unverify)
        api.get(RouterPath(MessagesAPI.audit.pattern), use: self.auditPage)
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
