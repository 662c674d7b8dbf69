import ChatModels
import Foundation
import Hummingbird
import JSONKit
import ServiceClients
import ServiceKit

/// Routes for other services (`/internal/**`, service tokens only, never routed by the gateway).
struct InternalController: Sendable {
    let conversations: ConversationStore
    let attachments: AttachmentStore
    let blocks: BlockStore

    func register(on group: RouterGroup<ChatRequestContext>) {
        group.get(RouterPath(MessagesAPI.contacts.pattern), use: self.contacts)
        group.get(RouterPath(MessagesAPI.blockRelations.pattern), use: self.blockRelations)
        group.get(RouterPath(MessagesAPI.attachment.pattern), use: self.attachment)
        group.post(RouterPath(MessagesAPI.referencedStorageKeys.pattern), use: self.referenced)
    }

    /// `?userId=`: the attachment, for a member of its conversation.
    @Sendable func attachment(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AttachmentRecord> {
        let id = try context.parameters.require("id", as: UUID.self)
        guard let user = request.uri.queryParameters["userId"].flatMap({ UUID(text: $0) }) else {
            throw APIError.badRequest("Give 'userId'")
        }
        return JSONResponse(try await self.attachments.record(id, for: user))
    }

    /// The storage keys still referred to, of those asked about.
    @Sendable func referenced(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<StorageKeys> {
        let asked = try await request.decodeJSON(as: StorageKeys.self, context: context)
        guard asked.storageKeys.count <= MessagesAPI.maxStorageKeys else {
            throw APIError.badRequest("At most \(MessagesAPI.maxStorageKeys) storage keys at once")
        }
        return JSONResponse(StorageKeys(try await self.attachments.referenced(asked.storageKeys)))
    }

    /// Whom the user blocked or was blocked by: an index lookup each way.
    @Sendable func blockRelations(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<BlockRelations> {
        JSONResponse(BlockRelations(userIds: try await self.blocks.relations(of: try context.parameters.require("id", as: UUID.self))))
    }

    /// The users who share a conversation with this one, and those with a block between them.
    @Sendable func contacts(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Contacts> {
        let id = try context.parameters.require("id", as: UUID.self)
        async let contacts = self.conversations.contacts(of: id)
        async let blocked = self.blocks.relations(of: id)
        return JSONResponse(Contacts(userIds: try await contacts, blockedUserIds: try await blocked))
    }
}
