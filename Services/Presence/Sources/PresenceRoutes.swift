import ChatModels
import Foundation
import Hummingbird
import ServiceKit

/// `GET /api/presence?userIds=a,b,c`: who is online.
struct PresenceRoutes: Sendable {
    let store: PresenceStore

    func register(on router: RouterGroup<ChatRequestContext>) {
        router.get("presence", use: self.presence)
    }

    @Sendable func presence(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[UserPresence]> {
        _ = try context.requireIdentity()
        let text = request.uri.queryParameters["userIds"].map(String.init) ?? ""
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw APIError.badRequest("Give 'userIds', a comma-separated list of user ids") }
        guard parts.count <= 500 else { throw APIError.badRequest("At most 500 'userIds' at once") }
        let ids = try parts.map { part throws(APIError) -> UUID in
            guard let id = UUID(uuidString: part) else { throw APIError.badRequest("'\(part.prefix(40))' is not a user id") }
            return id
        }
        return JSONResponse(try await self.store.presence(of: ids))
    }
}
