import AsyncHTTPClient
import ChatModels
import Foundation
import NIOHTTP1

/// The messages service's REST API, called on behalf of a user with their token (a
/// socket's, an uploader's), so that messages makes every access decision itself.
public struct MessagesAPI: Sendable {
    let caller: ServiceCaller

    public init(client: HTTPClient, base: URL, timeout: Duration) {
        self.caller = ServiceCaller(client: client, base: base, service: "messages", timeout: timeout)
    }

    public func conversation(_ id: UUID, token: String) async throws -> Conversation {
        try await self.caller.call(.GET, "/api/chat/conversations/\(id)", token: token)
    }

    public func markRead(_ id: UUID, seq: Int64?, messageID: UUID?, token: String) async throws -> ReadReceipt {
        try await self.caller.call(.POST, "/api/chat/conversations/\(id)/read", token: token, body: MarkReadRequest(seq: seq, messageId: messageID))
    }

    public func history(_ id: UUID, after: Int64, limit: Int, token: String) async throws -> MessagePage {
        try await self.caller.call(.GET, "/api/chat/conversations/\(id)/messages?after=\(after)&limit=\(limit)", token: token)
    }
}
