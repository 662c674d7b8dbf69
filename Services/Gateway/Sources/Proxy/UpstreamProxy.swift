import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit

/// Forwards a request to a service and streams the answer back: bodies flow through
/// without being collected, the request id travels along, and a service that is down
/// or silent is answered with a JSON 503 or 504 within the configured time.
struct UpstreamProxy: Sendable {
    let client: HTTPClient
    let settings: UpstreamSettings

    func forward(_ request: Request, to service: UpstreamRoute.Service, context: ChatRequestContext) async throws -> Response {
        let base = self.base(for: service)
        var upstream = HTTPClientRequest(url: base + request.uri.description)
        upstream.method = HTTPMethod(rawValue: request.method.rawValue)
        upstream.headers = Self.forwardedHeaders(request.headers, context: context)
        let relay = RequestBodyRelay(request.body)
        if request.method != .get && request.method != .head {
            let length = request.headers[.contentLength].flatMap { Int($0) }
            upstream.body = .stream(relay, length: length.map { .known(Int64($0)) } ?? .unknown)
        }
        let isUpload = service == .uploads && request.method == .post
        let timeout = isUpload ? self.settings.uploadTimeout : self.settings.timeout

        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(upstream, timeout: TimeAmount.nanoseconds(timeout.nanoseconds), logger: context.logger)
        } catch {
            await relay.stop(closingAfter: .seconds(5), context.channel)
            throw Self.clientError(for: error, service: service, logger: context.logger)
        }
        var headers = HTTPFields()
        for header in response.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headers: headers,
            body: ResponseBody { [channel = context.channel] writer in
                // An upstream that answered before reading the whole body (413 mid-upload)
                // leaves the rest to Hummingbird, which reads it after this returns.
                do {
                    for try await chunk in response.body {
                        try await writer.write(chunk)
                    }
                } catch {
                    await relay.stop(closingAfter: .seconds(5), channel)
                    throw error
                }
                await relay.stop(closingAfter: .seconds(5), channel)
                try await writer.finish(nil)
            }
        )
    }

    private func base(for service: UpstreamRoute.Service) -> String {
        let url = switch service {
        case .messages: self.settings.messages
        case .presence: self.settings.presence
        case .uploads: self.settings.uploads
        }
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Headers that describe one hop, not the message, and must not be passed on.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade", "host",
    ]

    static func forwardedHeaders(_ fields: HTTPFields, context: ChatRequestContext) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for field in fields where !Self.hopByHop.contains(field.name.canonicalName) && field.name != .requestID {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.replaceOrAdd(name: "X-Request-Id", value: context.requestID)
        if let address = context.remoteAddress?.ipAddress {
            let previous = fields[HTTPField.Name("X-Forwarded-For")!]
            headers.replaceOrAdd(name: "X-Forwarded-For", value: previous.map { "\($0), \(address)" } ?? address)
        }
        return headers
    }

    /// A failure to reach the service, as the client sees it.
    static func clientError(for error: any Error, service: UpstreamRoute.Service, logger: Logger) -> APIError {
        logger.warning("upstream failed", metadata: ["upstream": "\(service.rawValue)", "error": "\(error)"])
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return APIError(.gatewayTimeout, code: "upstream_timeout", message: "The \(service.rawValue) service did not answer in time", retryable: true)
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return APIError(.badGateway, code: "bad_gateway", message: "The \(service.rawValue) service closed the connection", retryable: true)
        default:
            return APIError(.serviceUnavailable, code: "upstream_unavailable", message: "The \(service.rawValue) service is unavailable", retryable: true)
        }
    }
}
