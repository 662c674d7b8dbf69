import Auth
import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import ServiceClients
import ServiceKit

/// `/api/me/blocks[/{id}]`: whom the caller blocked; a block, or its end. Each change goes
/// to the caller's devices (`blocks_updated`) and tells presence that the two no longer
/// (or again) hear of each other.
struct BlocksController: Sendable {
    let blocks: BlockStore
    let events: MessageEvents

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.get(RouterPath(MessagesAPI.blocks.pattern), use: self.list)
        api.put(RouterPath(MessagesAPI.block.pattern), use: self.block)
        api.delete(RouterPath(MessagesAPI.block.pattern), use: self.unblock)
    }

    @Sendable func list(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[User]> {
        let identity = try context.requireIdentity()
        return JSONResponse(try await self.blocks.blocked(by: identity.userID))
    }

    @Sendable func block(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        guard id != identity.userID else { throw APIError.validation("You cannot block yourself") }
        guard try await self.blocks.block(id, by: identity.userID) else { throw APIError.notFound("No such user") }
        await self.changed(between: identity.userID, and: id)
        return Response(status: .noContent)
    }

    @Sendable func unblock(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        try await self.blocks.unblock(id, by: identity.userID)
        await self.changed(between: identity.userID, and: id)
        return Response(status: .noContent)
    }

    private func changed(between blocker: UUID, and other: UUID) async {
        await self.events.contactsChanged([blocker, other])
        await self.events.blocksUpdated(of: blocker, in: self.blocks)
    }
}
