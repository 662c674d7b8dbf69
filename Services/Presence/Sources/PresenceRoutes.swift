import Auth
import ChatModels
import Foundation
import Hummingbird
import JSONKit
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// `GET /api/presence?userIds=a,b,c`: who is online. Someone with a block between them and
/// the caller is told to the caller as offline, last seen never.
struct PresenceRoutes: Sendable {
    let store: PresenceStore
    let contacts: ContactsClient

    func register(on router: RouterGroup<ChatRequestContext>) {
        router.get(RouterPath(PresenceAPI.presence.pattern), use: self.presence)
    }

    @Sendable func presence(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[UserPresence]> {
        let identity = try context.requireIdentity()
        let text = request.uri.queryParameters["userIds"].map(String.init) ?? ""
        let parts = text.commaSeparatedItems
        guard !parts.isEmpty else { throw APIError.badRequest("Give 'userIds', a comma-separated list of user ids") }
        guard parts.count <= PresenceAPI.maxUsers else { throw APIError.badRequest("At most \(PresenceAPI.maxUsers) 'userIds' at once") }
        let ids = try parts.map { part throws(APIError) -> UUID in
            guard let id = UUID(text: part) else { throw APIError.badRequest("'\(part.prefix(40))' is not a user id") }
            return id
        }
        async let presence = self.store.presence(of: ids)
        // Whom messages says the caller has a block with; while messages is away, none (a
        // presence lookup must not fail with it).
        let blocked = Set((try? await self.contacts.blocked(of: identity.userID)) ?? [])
        return JSONResponse(try await presence.map { blocked.contains($0.userId) ? UserPresence(userId: $0.userId, status: .offline) : $0 })
    }
}
