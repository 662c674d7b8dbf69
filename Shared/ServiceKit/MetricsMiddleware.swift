import Hummingbird
import Metrics
import NIOCore

/// Counts requests and times them by route template (not raw path, which would make a
/// metric per conversation id) and status.
public struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    public init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let dimensions = [
            ("method", request.method.rawValue),
            ("route", context.endpointPath ?? "unmatched"),
            ("status", String(response.status.code)),
        ]
        self.metrics.counter("http_requests_total", dimensions).increment()
        self.metrics.timer("http_request_duration_seconds", Array(dimensions.prefix(2))).recordNanoseconds(
            TimeAmount(ContinuousClock.now - start).nanoseconds
        )
        return response
    }
}
