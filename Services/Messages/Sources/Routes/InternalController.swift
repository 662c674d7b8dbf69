import Foundation
import Hummingbird
import ServiceKit

/// Routes for other services (`/internal/**`, service tokens only, never routed by the gateway).
struct InternalController: Sendable {
    let conversations: ConversationStore

    struct Contacts: Codable, Sendable {
        var userIds: [UUID]
    }

    func register(on group: RouterGroup<ChatRequestContext>) {
        group.get("users/{id}/contacts", use: self.contacts)
    }

    /// The users who share a conversation with this one.
    @Sendable func contacts(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Contacts> {
        let id = try context.parameters.require("id", as: UUID.self)
        return JSONResponse(Contacts(userIds: try await self.conversations.contacts(of: id)))
    }
}
