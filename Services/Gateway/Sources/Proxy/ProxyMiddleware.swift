import Auth
import Hummingbird
import ServiceKit

/// Sends `/api/**` to the service that owns it, checking the token first where one is
/// required, so a request with a bad token never costs a service anything, and taking
/// it from the user's allowance.
struct ProxyMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let proxy: UpstreamProxy
    let tokens: TokenAuthority
    let allowances: UserAllowances

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let route = UpstreamRoute(path: request.uri.path) else {
            return try await next(request, context)
        }
        var context = context
        if route.requiresToken {
            let identity = try await self.tokens.verify(try AuthMiddleware.bearerToken(request.headers))
            try self.allowances.admit(identity.userID)
            context.identity = identity
        }
        return try await self.proxy.forward(request, to: route.service, context: context)
    }
}
