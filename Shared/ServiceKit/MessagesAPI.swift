import HTTPTypes
import AsyncHTTPClient
import ChatModels
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The messages service's REST API, called on behalf of a user with their token (a
/// socket's, an uploader's), so that messages makes every access decision itself.
public struct MessagesAPI: Sendable {
    let client: HTTPClient
    let base: URL
    let timeout: Duration

    public init(client: HTTPClient, base: URL, timeout: Duration) {
        self.client = client
        self.base = base
        self.timeout = timeout
    }

    public func conversation(_ id: UUID, token: String) async throws -> Conversation {
        try await self.call(.GET, "/api/chat/conversations/\(id)", token: token)
    }

    public func markRead(_ id: UUID, seq: Int64?, messageID: UUID?, token: String) async throws -> ReadReceipt {
        try await self.call(.POST, "/api/chat/conversations/\(id)/read", token: token, body: MarkReadRequest(seq: seq, messageId: messageID))
    }

    public func history(_ id: UUID, after: Int64, limit: Int, token: String) async throws -> MessagePage {
        try await self.call(.GET, "/api/chat/conversations/\(id)/messages?after=\(after)&limit=\(limit)", token: token)
    }

    private func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, token: String, body: (any Encodable)? = nil) async throws -> Response {
        var base = self.base.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try ChatJSON.encoder().encode(body)))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await self.client.execute(request, timeout: .nanoseconds(self.timeout.nanoseconds))
            bytes = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw APIError.unavailable("The messages service is unavailable, try again")
        }
        guard (200..<300).contains(response.status.code) else {
            // The service's own error, passed on as it is.
            if let body = try? ChatJSON.decoder().decode(ErrorBody.self, from: bytes) {
                throw APIError(.init(code: Int(response.status.code)), code: body.error.code, message: body.error.message, retryable: body.error.retryable ?? false)
            }
            throw APIError.unavailable("The messages service failed, try again")
        }
        return try ChatJSON.decoder().decode(Response.self, from: bytes)
    }
}
