import ChatTestSupport
import MessagesApp
import MessagesTestSupport
import NIOPosix
import Redis

/// Runs `body` with a client of the test Redis, connected for as long as it runs.
func withTestRedis(_ body: @escaping @Sendable (RedisClient) async throws -> Void) async throws {
    let redis = RedisClient(
        configuration: try TestEnvironment.messages().redis,
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        logger: TestEnvironment.logger
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await redis.run() }
        defer { group.cancelAll() }
        try await body(redis)
    }
}
