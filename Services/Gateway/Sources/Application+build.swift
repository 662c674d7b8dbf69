import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Redis
import ServiceKit

/// The gateway: the public edge. It routes `/api/**` to the owning service after
/// checking the caller's token (and, with the real-time issue, serves Socket.IO).
public func buildApplication(configuration: GatewayConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "gateway")
    logger.logLevel = configuration.logLevel
    let metrics = ServiceMetrics()
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    let tokens = await TokenAuthority(settings: configuration.auth)

    var clientConfiguration = HTTPClient.Configuration()
    clientConfiguration.timeout = .init(
        connect: .nanoseconds(configuration.upstreams.connectTimeout.nanoseconds),
        read: .nanoseconds(configuration.upstreams.timeout.nanoseconds)
    )
    clientConfiguration.redirectConfiguration = .disallow
    clientConfiguration.decompression = .disabled
    clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: clientConfiguration)

    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: ProxyMiddleware(proxy: UpstreamProxy(client: httpClient, settings: configuration.upstreams), tokens: tokens))
    HealthRoutes(checks: [ReadinessCheck("redis") { _ = try await redis.send("PING") }], metrics: metrics).register(on: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "gateway"),
        services: [redis, HTTPClientService(client: httpClient)],
        logger: logger
    )
}
