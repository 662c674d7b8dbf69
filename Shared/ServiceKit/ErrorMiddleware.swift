import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import JSONKit
import Logging
import Redis

/// Maps every error a route throws to the JSON error shape, in one place: no handler
/// writes an error response itself, and nothing internal reaches the client.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(error)
            if apiError.status.kind == .serverError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "status": "\(apiError.status.code)"])
            } else {
                context.logger.debug("request refused", metadata: ["error": "\(error)", "status": "\(apiError.status.code)"])
            }
            return apiError.response()
        }
    }
}

extension APIError {
    /// The client's view of any error.
    public init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as HTTPError:
            self = APIError(status: error.status, message: error.body)
        case let error as any HTTPResponseError:
            self = APIError(status: error.status, message: nil)
        case let error as DecodingError:
            self = .badRequest(error.clientDescription)
        case let error as RedisError where error.isRetryable:
            self = .unavailable("A dependency is unavailable, try again")
        default:
            self = .internal
        }
    }

    /// Hummingbird's own errors (no route, body too large, a bad path parameter).
    init(status: HTTPResponse.Status, message: String?) {
        switch status {
        case .notFound: self = .notFound(message ?? "No such route")
        case .contentTooLarge: self = .payloadTooLarge
        case .methodNotAllowed: self = APIError(status, code: "method_not_allowed", message: "Method not allowed here")
        case .unauthorized: self = .missingToken
        default:
            self = APIError(status, code: status.kind == .serverError ? "internal" : "bad_request", message: message ?? status.reasonPhrase)
        }
    }

    /// The JSON response for this error.
    public func response() -> Response {
        let json = (try? ChatJSON.encoder().encode(self.body)) ?? Data(#"{"error":{"code":"internal","message":"error"}}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter = self.retryAfter {
            headers[.retryAfter] = String(retryAfter)
        } else if self.retryable {
            headers[.retryAfter] = "1"
        }
        return Response(status: self.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}

extension DecodingError {
    /// Which field was wrong and how, without echoing the input.
    public var clientDescription: String {
        func path(_ context: Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the body" : "'\(path)'"
        }
        switch self {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "Missing field '\(key.stringValue)'" + (parent == "the body" ? "" : " in \(parent)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "Wrong type for \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "The body is not valid JSON" : "Invalid value for \(path(context))"
        @unknown default:
            return "The body could not be read"
        }
    }
}
