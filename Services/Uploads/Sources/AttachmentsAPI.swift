import AsyncHTTPClient
import ChatModels
import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceKit

/// Messages' internal attachment routes, called with this service's own token.
struct AttachmentsAPI: Sendable {
    let client: HTTPClient
    let base: URL
    let token: ServiceTokenCache

    /// The attachment, if `user` may see it; messages answers 403/404 otherwise.
    func record(_ id: UUID, for user: UUID) async throws -> AttachmentRecord {
        try await self.call(.GET, "/internal/attachments/\(id.uuidString.lowercased())?userId=\(user.uuidString.lowercased())")
    }

    func referenced(_ keys: [String]) async throws -> Set<String> {
        let answer: StorageKeys = try await self.call(.POST, "/internal/attachments/referenced", body: StorageKeys(keys))
        return Set(answer.storageKeys)
    }

    private func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil) async throws -> Response {
        var base = self.base.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(try await self.token.token())")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try ChatJSON.encoder().encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await self.client.execute(request, timeout: .seconds(5))
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw APIError.unavailable("The messages service is unavailable, try again")
        }
        guard response.status == .ok else {
            if let error = try? ChatJSON.decoder().decode(ErrorBody.self, from: bytes) {
                throw APIError(.init(code: Int(response.status.code)), code: error.error.code, message: error.error.message)
            }
            throw APIError.unavailable("The messages service failed, try again")
        }
        return try ChatJSON.decoder().decode(Response.self, from: bytes)
    }
}
