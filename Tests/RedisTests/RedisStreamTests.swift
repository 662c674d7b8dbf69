import NIOCore
import NIOPosix
import Redis
import Testing

@Suite struct RedisStreamTests {
    let stream = "test:stream:\(UInt64.random(in: 0...UInt64.max))"

    @Test func entriesAreReadAcknowledgedAndClaimedFromAStoppedConsumer() async throws {
        let client = RedisClient(
            configuration: try testRedisConfiguration(),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: testLogger
        )
        try await withRunning(client) {
            try await client.xgroupCreate(stream: stream, group: "workers")
            try await client.xgroupCreate(stream: stream, group: "workers")  // idempotent

            let first = try await client.xadd(stream, fields: ["cmd": "one", "n": 1])
            let second = try await client.xadd(stream, fields: ["cmd": .bytes(ByteBuffer(bytes: [0, 255]))], maxLength: 1000)

            let read = try await client.xreadgroup(group: "workers", consumer: "a", stream: stream, count: 10, block: .milliseconds(100))
            #expect(read.map(\.id) == [first, second])
            #expect(read.first?.fields["cmd"].map { String(buffer: $0) } == "one")
            #expect(read.last?.fields["cmd"] == ByteBuffer(bytes: [0, 255]))

            // Nothing new: a blocking read times out empty.
            #expect(try await client.xreadgroup(group: "workers", consumer: "a", stream: stream, count: 10, block: .milliseconds(50)).isEmpty)

            #expect(try await client.xack(stream, group: "workers", ids: [first]) == 1)

            // "a" stopped with `second` pending: "b" claims it once it has been idle long enough.
            let early = try await client.xautoclaim(stream: stream, group: "workers", consumer: "b", minIdle: .seconds(60), count: 10)
            #expect(early.entries.isEmpty)
            try await Task.sleep(for: .milliseconds(60))
            let claimed = try await client.xautoclaim(stream: stream, group: "workers", consumer: "b", minIdle: .milliseconds(50), count: 10)
            #expect(claimed.entries.map(\.id) == [second])
            #expect(try await client.xack(stream, group: "workers", ids: [second]) == 1)
            #expect(try await client.send("XPENDING", .string(stream), "workers").array?.first?.int == 0)
            _ = try await client.send("DEL", .string(stream))
        }
    }
}
