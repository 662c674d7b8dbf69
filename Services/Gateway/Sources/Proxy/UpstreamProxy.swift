import AsyncHTTPClient
import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit

/// Forwards a request to a service and streams it through: the request id travels along,
/// and a service that is down or silent is answered with a JSON 503 or 504 within the
/// configured time.
///
/// Two paths, for two kinds of body. A request with a body (uploads, JSON) is sent with
/// each chunk written to the upstream connection before the next is read from the client
/// — async-http-client's async body API reads ahead of its writes, so a large upload would
/// pile up in the gateway's memory — and its (small) answer is collected. A request
/// without one (downloads) has its answer streamed back as it comes.
///
/// An upload's request and its upstream connection share one event loop: async-http-client
/// accepts a chunk at once while it takes the connection for writable, and on two loops it
/// learns otherwise a hop late, so a busy loop let chunks pile up (a gateway grew 126 MiB
/// relaying a 200 MiB upload once in e2e; 0–3 MiB otherwise).
struct UpstreamProxy: Sendable {
    let client: HTTPClient
    let settings: UpstreamSettings
    /// The largest answer to a request with a body that is collected.
    static let maxCollectedResponse = 16 << 20

    func forward(_ request: Request, to service: UpstreamRoute.Service, context: ChatRequestContext) async throws -> Response {
        // The path and query only: a target in absolute form names no host of ours.
        let url = self.base(for: service) + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let headers = Self.forwardedHeaders(
            request.headers,
            authority: request.head.authority,
            context: context,
            trustedProxies: self.settings.trustedProxies
        )
        let method = HTTPMethod(rawValue: request.method.rawValue)
        if request.method == .get || request.method == .head || request.method == .delete {
            return try await self.streaming(url: url, method: method, headers: headers, service: service, context: context)
        }
        let timeout = service == .uploads ? self.settings.uploadTimeout : self.settings.timeout
        let relay = RequestBodyRelay(request.body)
        let eventLoop = self.client.eventLoopGroup.any()
        let length = request.headers[.contentLength].flatMap { Int64($0) }
        do {
            let upstream = try HTTPClient.Request(
                url: url,
                method: method,
                headers: headers,
                body: .stream(contentLength: length) { writer in
                    let sent = eventLoop.makePromise(of: Void.self)
                    sent.completeWithTask {
                        for try await chunk in relay {
                            try await writer.write(.byteBuffer(chunk)).get()  // written before the next is read
                        }
                    }
                    return sent.futureResult
                }
            )
            let response = try await self.client.execute(
                request: upstream,
                delegate: ResponseAccumulator(request: upstream, maxBodySize: Self.maxCollectedResponse),
                eventLoop: service == .uploads ? .delegateAndChannel(on: eventLoop) : .indifferent,
                deadline: .now() + TimeAmount(timeout),
                logger: context.logger
            ).get()
            // An upstream that answered before reading the whole body (413 mid-upload)
            // leaves the rest to Hummingbird, which reads it after this returns.
            await relay.stop(closingAfter: .seconds(5), context.channel)
            return Response(
                status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
                headers: Self.returnedHeaders(response.headers),
                body: ResponseBody(byteBuffer: response.body ?? ByteBuffer())
            )
        } catch {
            await relay.stop(closingAfter: .seconds(5), context.channel)
            throw Self.clientError(for: error, service: service, logger: context.logger)
        }
    }

    /// No request body: the answer streams back as it comes.
    private func streaming(
        url: String,
        method: HTTPMethod,
        headers: HTTPHeaders,
        service: UpstreamRoute.Service,
        context: ChatRequestContext
    ) async throws -> Response {
        var upstream = HTTPClientRequest(url: url)
        upstream.method = method
        upstream.headers = headers
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(upstream, timeout: TimeAmount(self.settings.timeout), logger: context.logger)
        } catch {
            throw Self.clientError(for: error, service: service, logger: context.logger)
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headers: Self.returnedHeaders(response.headers),
            body: ResponseBody(asyncSequence: response.body)
        )
    }

    static func returnedHeaders(_ upstream: HTTPHeaders) -> HTTPFields {
        var headers = HTTPFields()
        for header in upstream where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return headers
    }

    private func base(for service: UpstreamRoute.Service) -> String {
        let url =
            switch service {
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

    /// What a service gets: the end-to-end headers, the request id, `X-Forwarded-For` with the
    /// peer added, `X-Client-Address`, the client as far as trusted proxies say, and
    /// `X-Forwarded-Host`, the authority the client asked (a client's own values of the last
    /// two are dropped).
    static func forwardedHeaders(
        _ fields: HTTPFields,
        authority: String?,
        context: ChatRequestContext,
        trustedProxies: Set<String>
    )
        -> HTTPHeaders
    {
        var headers = HTTPHeaders()
        for field in fields
        where !Self.hopByHop.contains(field.name.canonicalName) && field.name != .requestID && field.name != .clientAddress
            && field.name != .forwardedHost
        {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.replaceOrAdd(name: "X-Request-Id", value: context.requestID)
        if let authority { headers.replaceOrAdd(name: HTTPField.Name.forwardedHost.rawName, value: authority) }
        let forwardedFor = fields[values: .xForwardedFor].joined(separator: ", ")
        if let address = context.remoteAddress?.ipAddress {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: forwardedFor.isEmpty ? address : "\(forwardedFor), \(address)")
        }
        let peer = context.remoteAddress?.ipAddress
        if let client = ClientAddress.resolve(peer: peer, forwardedFor: forwardedFor, trusted: trustedProxies) {
            headers.replaceOrAdd(name: HTTPField.Name.clientAddress.rawName, value: client)
        }
        return headers
    }

    /// A failure to reach the service, as the client sees it.
    static func clientError(for error: any Error, service: UpstreamRoute.Service, logger: Logger) -> APIError {
        logger.warning("upstream failed", metadata: ["upstream": "\(service.rawValue)", "error": "\(error)"])
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return APIError(.upstreamTimeout, "The \(service.rawValue) service did not answer in time")
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return APIError(.badGateway, "The \(service.rawValue) service closed the connection")
        case is ResponseAccumulator.ResponseTooBigError:
            return APIError(.upstreamTooLarge, "The \(service.rawValue) service answered with too much")
        default:
            return APIError(.upstreamUnavailable, "The \(service.rawValue) service is unavailable")
        }
    }
}
