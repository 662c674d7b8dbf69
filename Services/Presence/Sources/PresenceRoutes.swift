import ChatModels
import Foundation
import Hummingbird
import JSONKit
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// `GET /api/presence?userIds=a,b,c`: who is online.
struct PresenceRoutes: Sendable {
    let store: PresenceStore

    func register(on router: RouterGroup<ChatRequestContext>) {
        router.get(RouterPath(PresenceAPI.presence.pattern), use: self.presence)
    }

    @Sendable func presence(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[UserPresence]> {
        _ = try context.requireIdentity()
        let text = request.uri.queryParameters["userIds"].map(String.init) ?? ""
        let parts = text.commaSeparatedItems
        guard !parts.isEmpty else { throw APIError.badRequest("Give 'userIds', a comma-separated list of user ids") }
        guard parts.count <= PresenceAPI.maxUsers else { throw APIError.badRequest("At most \(PresenceAPI.maxUsers) 'userIds' at once") }
        let ids = try parts.map { part throws(APIError) -> UUID in
            guard let id = UUID(text: part) else { throw APIError.badRequest("'\(part.prefix(40))' is not a user id") }
            return id
        }
        return JSONResponse(try await self.store.presence(of: ids))
    }
}
