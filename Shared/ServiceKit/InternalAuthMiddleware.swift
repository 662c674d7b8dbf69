import Hummingbird
import Logging

/// Guards routes meant for other services (`/internal/**`): only a service token passes.
/// The gateway never routes to them; this keeps them closed even on a shared network.
public struct InternalAuthMiddleware: RouterMiddleware {
    public typealias Context = ChatRequestContext
    let tokens: TokenAuthority

    public init(tokens: TokenAuthority) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let service = try await self.tokens.verifyServiceToken(try AuthMiddleware.bearerToken(request.headers))
        context.logger[metadataKey: "caller"] = .string(service)
        return try await next(request, context)
    }
}
