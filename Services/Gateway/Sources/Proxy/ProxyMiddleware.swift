import Hummingbird
import ServiceKit

/// Sends `/api/**` to the service that owns it, checking the token first where one is
/// required, so a request with a bad token never costs a service anything.
struct ProxyMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let proxy: UpstreamProxy
    let tokens: TokenAuthority

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let route = UpstreamRoute(path: request.uri.path) else {
            return try await next(request, context)
        }
        var context = context
        if route.requiresToken {
            context.identity = try await self.tokens.verify(try AuthMiddleware.bearerToken(request.headers))
        }
        return try await self.proxy.forward(request, to: route.service, context: context)
    }
}
