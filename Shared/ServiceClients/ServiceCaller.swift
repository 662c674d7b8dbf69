import AsyncHTTPClient
import ChatModels
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// JSON calls to another service's HTTP API: the service's own errors are passed on as
/// they are, and a service that cannot be reached is a retryable 503.
public struct ServiceCaller: Sendable {
    let client: HTTPClient
    let base: String
    let service: String
    let timeout: TimeAmount

    public init(client: HTTPClient, endpoint: ServiceEndpoint, service: String) {
        var text = endpoint.url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        self.client = client
        self.base = text
        self.service = service
        self.timeout = TimeAmount(endpoint.timeout)
    }

    public func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, token: String, body: (any Encodable)? = nil) async throws -> Response
    {
        var request = HTTPClientRequest(url: self.base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(try ChatJSON.buffer(body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await self.client.execute(request, timeout: self.timeout)
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw APIError.unavailable("The \(self.service) service is unavailable, try again")
        }
        guard (200..<300).contains(response.status.code) else {
            if let body = try? ChatJSON.decoder().decode(ErrorBody.self, from: bytes) { throw body.error.error }
            throw APIError.unavailable("The \(self.service) service failed, try again")
        }
        return try ChatJSON.decoder().decode(Response.self, from: bytes)
    }
}
