import NIOCore
import NIOPosix
import Redis
import Testing

@Suite struct RedisClientTests {
    let key = "test:\(UInt64.random(in: 0...UInt64.max))"

    func makeClient(_ configuration: RedisConfiguration? = nil) throws -> RedisClient {
        RedisClient(
            configuration: try configuration ?? testRedisConfiguration(),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: testLogger
        )
    }

    @Test func repliesComeBackInEveryShape() async throws {
        let client = try makeClient()
        try await withRunning(client) {
            let binary = ByteBuffer(bytes: [0, 1, 13, 10, 255])
            #expect(try await client.send("SET", .string(key), .bytes(binary)) == .simpleString("OK"))
            #expect(try await client.send("GET", .string(key)).bytes == binary)
            #expect(try await client.send("GET", .string(key + ":missing")).isNull)
            #expect(try await client.send("INCRBY", .string(key + ":n"), 41).int == 41)
            _ = try await client.send("RPUSH", .string(key + ":list"), "a", "b")
            #expect(try await client.send("LRANGE", .string(key + ":list"), 0, -1).array?.compactMap(\.string) == ["a", "b"])
            _ = try await client.send("DEL", .string(key), .string(key + ":n"), .string(key + ":list"))
        }
    }

    @Test func anErrorReplyThrowsAndIsNotRetryable() async throws {
        let client = try makeClient()
        try await withRunning(client) {
            let error = await #expect(throws: RedisError.self) { _ = try await client.send("NOSUCHCOMMAND") }
            guard case .server(let message)? = error else { throw TestSetupError("expected a server error, got \(String(describing: error))") }
            #expect(message.hasPrefix("ERR"))
            #expect(error?.isRetryable == false)
            // The connection is still in step after the error.
            #expect(try await client.send("PING") == .simpleString("PONG"))
        }
    }

    @Test func concurrentCallersPipelineOnOneConnection() async throws {
        let client = try makeClient()
        let counter = key + ":counter"
        try await withRunning(client) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<500 {
                    group.addTask { try await client.send("INCR", .string(counter)).int ?? -1 }
                }
                var seen = Set<Int>()
                for try await value in group { seen.insert(value) }
                #expect(seen == Set(1...500))
            }
            let replies = try await client.pipeline((0..<100).map { _ in RedisCommand("INCR", .string(counter)) } + [RedisCommand("NOSUCH")])
            #expect(replies.prefix(100).map(\.int) == (501...600).map { $0 })
            if case .error = replies[100] {} else { Issue.record("the error reply should be returned in place") }
            _ = try await client.send("DEL", .string(counter))
        }
    }

    @Test func aServerThatIsDownGivesARetryableErrorWithinTheWait() async throws {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: try freePort())
        configuration.connectionWaitTimeout = .milliseconds(300)
        let client = try makeClient(configuration)
        try await withRunning(client) {
            let start = ContinuousClock.now
            await #expect(throws: RedisError.unavailable) { _ = try await client.send("PING") }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(RedisError.unavailable.isRetryable)
        }
    }

    @Test func commandsResumeAfterRedisRestarts() async throws {
        let server = try RedisServerProcess()
        let client = try makeClient(server.configuration)
        try await withRunning(client) {
            #expect(try await eventually { (try? await client.send("PING")) == .simpleString("PONG") })
            server.kill()
            await #expect(throws: RedisError.self) { _ = try await client.send("PING") }
            try server.start()
            #expect(try await eventually { (try? await client.send("PING")) == .simpleString("PONG") })
        }
    }
}
