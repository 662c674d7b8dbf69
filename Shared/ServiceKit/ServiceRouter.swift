import Auth
import Hummingbird

/// The router every service starts from: request ids, metrics and the error model around
/// each route, and `/healthz`, `/readyz` (answering `checks`) and `/metrics`. `outermost`
/// middlewares see every response, error responses included (the edge's CORS).
public enum ServiceRouter {
    public static func make(
        metrics: ServiceMetrics,
        checks: [ReadinessCheck],
        outermost: [any MiddlewareProtocol<Request, Response, ChatRequestContext>] = []
    ) -> Router<ChatRequestContext> {
        let router = Router(context: ChatRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        for middleware in outermost { router.add(middleware: middleware) }
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        HealthRoutes(checks: checks, metrics: metrics).register(on: router)
        return router
    }
}

extension ReadinessCheck {
    /// The token revocations every service keeps were read (until then a revoked token could pass).
    public static func revocations(_ tokens: TokenAuthority) -> ReadinessCheck {
        ReadinessCheck("revocations") { [revocations = tokens.revocations] in
            guard revocations.isLoaded else { throw RevocationsNotLoaded() }
        }
    }
}

struct RevocationsNotLoaded: Error, CustomStringConvertible {
    var description: String { "token revocations not read yet" }
}
