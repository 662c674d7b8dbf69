import Hummingbird
import Logging
import NIOPosix
import Redis
import ServiceKit

/// The Uploads service: file bytes on disk. This first increment runs, prepares its
/// directory, connects to Redis and reports its health; uploads come with their issue.
public func buildApplication(configuration: UploadsConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "uploads")
    logger.logLevel = configuration.logLevel
    let metrics = ServiceMetrics()
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    let directory = UploadDirectory(path: configuration.directory)
    try directory.prepare()

    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(
        checks: [
            ReadinessCheck("redis") { _ = try await redis.send("PING") },
            ReadinessCheck("disk") { try directory.checkWritable() },
        ],
        metrics: metrics
    ).register(on: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "uploads"),
        services: [redis],
        logger: logger
    )
}
