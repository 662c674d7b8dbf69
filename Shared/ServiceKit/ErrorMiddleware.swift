import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import JSONKit
import Logging

/// Maps every error a route throws to the JSON error shape, in one place: no handler
/// writes an error response itself, and nothing internal reaches the client.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(routeError: error)
            if apiError.status.kind == .serverError {
                // An error's description may quote the request: only its type is logged as an
                // error, the description at debug level.
                context.logger.error("request failed", metadata: ["error": "\(type(of: error))", "status": "\(apiError.status.code)"])
                context.logger.debug("request failed", metadata: ["error": "\(String(reflecting: error))"])
            } else {
                context.logger.debug("request refused", metadata: ["error": "\(error)", "status": "\(apiError.status.code)"])
            }
            return apiError.response()
        }
    }
}

extension APIError {
    /// The client's view of any error a route throws: Hummingbird's own (no route, body too
    /// large, a bad path parameter) by their status, the rest as `APIError(_:)` maps them.
    public init(routeError error: any Error) {
        switch error {
        case let error as HTTPError:
            self = APIError(status: error.status, message: error.body)
        case let error as any HTTPResponseError:
            self = APIError(status: error.status, message: nil)
        default:
            self = APIError(error)
        }
    }

    init(status: HTTPResponse.Status, message: String?) {
        switch status {
        case .notFound: self = .notFound(message ?? "No such route")
        case .contentTooLarge: self = .payloadTooLarge
        case .methodNotAllowed: self = APIError(.methodNotAllowed, "Method not allowed here")
        case .unauthorized: self = .missingToken
        default: self = APIError(status.kind == .serverError ? .internal : .badRequest, message ?? status.reasonPhrase)
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
