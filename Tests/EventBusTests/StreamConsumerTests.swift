import ChatTestSupport
import EventBus
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Redis
import ServiceConfiguration
import ServiceLifecycleTestKit
import Testing

@Suite struct StreamConsumerTests {
    /// An entry its handler could not settle (its store was down) is offered again after a
    /// short backoff — long before another consumer would claim it — and ahead of entries
    /// that arrived after it, so that the order of a conversation's commands holds.
    @Test func anUnsettledEntryIsRetriedSoonAndBeforeNewerOnes() async throws {
        try await self.withConsumer { redis, consumer, stream in
            let seen = NIOLockedValueBox<[String]>([])
            let refusals = NIOLockedValueBox(2)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    await consumer.run { entries in
                        let names = entries.map { String(buffer: $0.fields["n"]!) }
                        seen.withLockedValue { $0 += names }
                        // "first" is refused twice (a retryable outage); while it is, "second" waits behind it.
                        if names.first == "first",
                            refusals.withLockedValue({
                                $0 -= 1
                                return $0 >= 0
                            })
                        {
                            return []
                        }
                        return entries.map(\.id)
                    }
                }
                defer { tasks.cancelAll() }
                try await redis.xadd(stream, fields: ["n": "first"])
                #expect(try await self.eventually { seen.withLockedValue { $0.count } >= 1 })
                try await redis.xadd(stream, fields: ["n": "second"])
                #expect(try await self.eventually { seen.withLockedValue { $0.contains("second") } })

                let order = seen.withLockedValue { $0 }
                #expect(order.prefix(3) == ["first", "first", "first"], "retried before anything newer: \(order)")
                #expect(order.last == "second")
                #expect(try await self.eventually { try await redis.send("XPENDING", .string(stream), "g").array?.first?.int == 0 })
            }
        }
    }

    /// What a batch settled is acknowledged with the next read, in one write; a consumer
    /// told to stop after a batch (no next read) acknowledges it before it returns, so a
    /// restart does not hand it to another consumer to do again.
    @Test func theLastBatchIsAcknowledgedWhenTheConsumerStops() async throws {
        try await self.withConsumer(batchSize: 1) { redis, consumer, stream in
            for n in ["one", "two"] { try await redis.xadd(stream, fields: ["n": .string(n)]) }
            let batches = NIOLockedValueBox(0)
            await testGracefulShutdown { shutdown in
                await consumer.run { entries in
                    // In the second batch: the first was acknowledged by the read that
                    // brought this one; this one is pending.
                    if batches.withLockedValue({
                        $0 += 1
                        return $0
                    }) == 2 {
                        let pending = try await redis.send("XPENDING", .string(stream), "g").array?.first?.int
                        #expect(pending == 1)
                        shutdown.triggerGracefulShutdown()
                    }
                    return entries.map(\.id)
                }
            }
            #expect(batches.withLockedValue { $0 } == 2)
            #expect(try await redis.send("XPENDING", .string(stream), "g").array?.first?.int == 0)
        }
    }

    /// A consumer ("only", in group "g", made) of a stream of its own, on a running client of
    /// the test Redis; the stream is deleted afterwards.
    private func withConsumer(
        batchSize: Int = StreamConsumerSettings.batchSize.defaultValue,
        _ body: @Sendable (RedisClient, StreamConsumer, String) async throws -> Void
    ) async throws {
        let stream = "test:consumer:\(UInt64.random(in: 0...UInt64.max))"
        let redis = RedisClient(
            configuration: try RedisConfiguration(try TestEnvironment.values()),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: TestEnvironment.logger
        )
        let consumer = StreamConsumer(
            redis: redis,
            stream: stream,
            group: "g",
            settings: StreamConsumerSettings(
                consumerName: "only",
                batchSize: batchSize,
                blockFor: .milliseconds(100),
                claimAfter: .seconds(60)
            ),
            logger: TestEnvironment.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await redis.run() }
            defer { tasks.cancelAll() }
            try await redis.xgroupCreate(stream: stream, group: "g")
            try await body(redis, consumer, stream)
            _ = try await redis.send("DEL", .string(stream))
        }
    }

    private func eventually(_ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
