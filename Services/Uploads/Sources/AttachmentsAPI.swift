import AsyncHTTPClient
import Foundation
import NIOHTTP1
import ServiceKit

/// Messages' internal attachment routes, called with this service's own token.
struct AttachmentsAPI: Sendable {
    let caller: ServiceCaller
    let token: ServiceTokenCache

    init(client: HTTPClient, base: URL, token: ServiceTokenCache) {
        self.caller = ServiceCaller(client: client, base: base, service: "messages", timeout: .seconds(5))
        self.token = token
    }

    /// The attachment, if `user` may see it; messages answers 403/404 otherwise.
    func record(_ id: UUID, for user: UUID) async throws -> AttachmentRecord {
        try await self.caller.call(.GET, "/internal/attachments/\(id.uuidString.lowercased())?userId=\(user.uuidString.lowercased())", token: try await self.token.token())
    }

    func referenced(_ keys: [String]) async throws -> Set<String> {
        let answer: StorageKeys = try await self.caller.call(.POST, "/internal/attachments/referenced", token: try await self.token.token(), body: StorageKeys(keys))
        return Set(answer.storageKeys)
    }
}
