import ChatModels
import HTTPTypes
import Hummingbird
import ServiceKit

/// CORS for pages of the origins `OriginPolicy` allows: their requests get the headers a
/// browser needs to hand the answer to the page (credentials included, so the origin is
/// named, never `*`), and their preflights are answered here, before any token is asked
/// for. A preflight from another origin is refused; its other requests are served without
/// the headers, so the browser keeps the answer from the page.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let policy: OriginPolicy

    static let methods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let headers = "Authorization, Content-Type, X-Request-Id, X-File-Name"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let preflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        switch self.policy.verdict(origin: request.headers[.origin], host: request.head.authority) {
        case .allowed(let origin) where preflight:
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = Self.methods
            response.headers[.accessControlAllowHeaders] = Self.headers
            response.headers[.accessControlMaxAge] = "600"
            Self.allow(origin, in: &response)
            return response
        case .allowed(let origin):
            var response = try await next(request, context)
            response.headers[.accessControlExposeHeaders] = "X-Request-Id, Retry-After, Content-Disposition"
            Self.allow(origin, in: &response)
            return response
        case .refused where preflight:
            return APIError.forbidden("This origin may not use the API").response()
        case .noOrigin, .sameOrigin, .refused:
            return try await next(request, context)
        }
    }

    private static func allow(_ origin: String, in response: inout Response) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowCredentials] = "true"
        response.headers[.vary] = "Origin"
    }
}
