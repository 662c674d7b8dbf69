import ChatTestSupport
import NIOCore
import NIOPosix
import Redis
import ServiceConfiguration
import Testing

@testable import EventBus

@Suite struct SettledTrimTests {
    /// Every group's oldest unsettled entry stays, and everything after it; what all
    /// groups have settled goes.
    @Test func whatEveryGroupSettledIsTrimmedAndNothingElse() async throws {
        let stream = "test:trim:\(UInt64.random(in: 0...UInt64.max))"
        let redis = RedisClient(
            configuration: try RedisConfiguration(try TestEnvironment.values()),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: TestEnvironment.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await redis.run() }
            defer { tasks.cancelAll() }
            var ids: [String] = []
            for n in 1...10 { ids.append(try await redis.xadd(stream, fields: ["n": .integer(n)])) }
            try await redis.xgroupCreate(stream: stream, group: "idle")
            // A group that has read nothing yet keeps everything.
            #expect(try await SettledTrim.trim(stream, redis: redis) == 0)
            _ = try await redis.send("XGROUP", "DESTROY", .string(stream), "idle")

            try await redis.xgroupCreate(stream: stream, group: "a")
            try await redis.xgroupCreate(stream: stream, group: "b")
            _ = try await redis.xreadgroup(group: "a", consumer: "c", stream: stream, id: ">", count: 10, block: nil)
            _ = try await redis.xack(stream, group: "a", ids: ids.enumerated().filter { $0.offset != 5 }.map(\.element))  // 6 stays pending
            _ = try await redis.xreadgroup(group: "b", consumer: "c", stream: stream, id: ">", count: 8, block: nil)
            _ = try await redis.xack(stream, group: "b", ids: Array(ids.prefix(8)))
            #expect(try await SettledTrim.trim(stream, redis: redis) == 5)
            let left = try await redis.send("XRANGE", .string(stream), "-", "+").array?.compactMap { $0.array?.first?.string }
            #expect(left == Array(ids.suffix(5)))

            _ = try await redis.xack(stream, group: "a", ids: [ids[5]])
            _ = try await redis.xreadgroup(group: "b", consumer: "c", stream: stream, id: ">", count: 8, block: nil)
            _ = try await redis.xack(stream, group: "b", ids: Array(ids.suffix(2)))
            _ = try await SettledTrim.trim(stream, redis: redis)
            // Only the last entry delivered stays (MINID keeps it); no group needs it.
            #expect(try await redis.send("XLEN", .string(stream)).int == 1)
            _ = try await redis.send("DEL", .string(stream))
        }
    }
}
