import Hummingbird
import Logging
import NIOPosix
import Redis
import ServiceKit

/// The Presence service: who is online and who is typing, kept in Redis. This first
/// increment runs, connects to Redis and reports its health; its features come with the
/// real-time issue.
public func buildApplication(configuration: PresenceConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "presence")
    logger.logLevel = configuration.logLevel
    let metrics = ServiceMetrics()
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)

    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(checks: [ReadinessCheck("redis") { _ = try await redis.send("PING") }], metrics: metrics).register(on: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "presence"),
        services: [redis],
        logger: logger
    )
}
