import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Redis
import Testing

/// The client and the subscriber against a real Redis Cluster of three masters and three
/// replicas started for each test.
@Suite(.serialized) struct RedisClusterTests {
    func makeClient(_ cluster: RedisClusterProcesses) -> RedisClient {
        RedisClient(configuration: cluster.configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: testLogger)
    }

    @Test func commandsReachTheirSlotsMasterAndPipelinesKeepTheirOrder() async throws {
        let cluster = try await RedisClusterProcesses()
        let client = makeClient(cluster)
        try await withRunning(client) {
            let keys = (0..<300).map { "key:\($0)" }
            let replies = try await client.pipeline(
                keys.enumerated().map { RedisCommand("SET", .string($1), .integer($0)) } + keys.map { RedisCommand("GET", .string($0)) }
            )
            #expect(replies.prefix(300).allSatisfy { $0 == .simpleString("OK") })
            #expect(replies.suffix(300).map(\.int) == (0..<300).map { $0 })
            // Every master holds some of them, each the keys of its own slots.
            for master in try await cluster.masters() {
                let count = try await cluster.ask(master, RedisCommand("DBSIZE")).int ?? 0
                #expect(count > 50, "master \(master) holds \(count) keys")
            }
            #expect(try await client.send("GET", "key:7").int == 7)
            // Keys that share a hash tag meet in one script.
            let script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('GET', KEYS[2])"
            #expect(try await client.send("EVAL", .string(script), 2, "{room}:a", "{room}:b", "together").string == "together")
            // Keys that do not are refused by Redis, not split by the client.
            let error = await #expect(throws: RedisError.self) { _ = try await client.send("EVAL", .string(script), 2, "a", "b", "apart") }
            #expect(error.map { if case .server(let message) = $0 { message.hasPrefix("CROSSSLOT") } else { false } } == true)
        }
    }

    @Test func aSlotMovingIsFollowedThroughAskThenMoved() async throws {
        let cluster = try await RedisClusterProcesses()
        let client = makeClient(cluster)
        try await withRunning(client) {
            let key = "{moving}:old"
            _ = try await client.send("SET", .string(key), "before")
            let slot = Int(HashSlot(key: key).value)
            let source = try await cluster.master(of: key)
            let target = try await cluster.masters().first { $0 != source }!
            let sourceID = try await cluster.ask(source, RedisCommand("CLUSTER", "MYID")).string!
            let targetID = try await cluster.ask(target, RedisCommand("CLUSTER", "MYID")).string!
            _ = try await cluster.ask(target, RedisCommand("CLUSTER", "SETSLOT", .integer(slot), "IMPORTING", .string(sourceID)))
            _ = try await cluster.ask(source, RedisCommand("CLUSTER", "SETSLOT", .integer(slot), "MIGRATING", .string(targetID)))

            // Mid-migration a key the source does not have is asked of the target.
            #expect(try await client.send("SET", "{moving}:new", "during") == .simpleString("OK"))
            #expect(try await cluster.ask(target, RedisCommand("CLUSTER", "COUNTKEYSINSLOT", .integer(slot))).int == 1)
            #expect(try await client.send("GET", .string(key)).string == "before")

            _ = try await cluster.ask(source, RedisCommand("MIGRATE", "127.0.0.1", .integer(target), "", 0, 5000, "KEYS", .string(key)))
            for master in try await cluster.masters() {
                _ = try await cluster.ask(master, RedisCommand("CLUSTER", "SETSLOT", .integer(slot), "NODE", .string(targetID)))
            }
            // The client still believes the source: its MOVED sends the command on.
            #expect(try await client.send("GET", .string(key)).string == "before")
            #expect(try await client.send("GET", "{moving}:new").string == "during")
        }
    }

    @Test func shardedChannelsAreHeardOnTheirShardOnly() async throws {
        let cluster = try await RedisClusterProcesses()
        let client = makeClient(cluster)
        let inbox = Inbox()
        let subscriber = quickSubscriber(cluster.configuration, channels: ["fixed"], inbox: inbox)
        let channels = (0..<30).map { "conv:\($0)" }
        try await withRunning(client) {
            try await withRunning(subscriber) {
                #expect(try await eventually { (try? await client.publish("fixed", "probe")) == 1 })
                try await subscriber.subscribe(channels)
                for channel in channels { #expect(try await client.publish(channel, .string(channel)) == 1) }
                #expect(try await eventually { inbox.messages.count == 31 })
                #expect(channels.allSatisfy { inbox.payloads(on: $0) == [$0] })
                // Each channel is a sharded subscription on its own master, not a classic one.
                let home = try await cluster.master(of: "conv:3")
                #expect(try await cluster.ask(home, RedisCommand("PUBSUB", "SHARDNUMSUB", "conv:3")).array?.last?.int == 1)
                #expect(try await cluster.ask(home, RedisCommand("PUBSUB", "NUMSUB", "conv:3")).array?.last?.int == 0)

                try await subscriber.reconcile(["conv:3", "conv:4"]) { $0 == "conv:4" }
                #expect(try await client.publish("conv:3", "after") == 0)
                #expect(try await client.publish("conv:4", "after") == 1)
                #expect(try await eventually { inbox.payloads(on: "conv:4") == ["conv:4", "after"] })
                #expect(await !subscriber.subscribedChannels.contains("conv:3"))
            }
        }
    }

    /// A master killed while commands and messages flow: its replica is promoted, the
    /// client and the subscriber find it, and only the killed shard pauses.
    @Test func aKilledMasterFailsOverToItsReplica() async throws {
        let cluster = try await RedisClusterProcesses()
        let client = makeClient(cluster)
        let inbox = Inbox()
        let subscriber = quickSubscriber(cluster.configuration, inbox: inbox)
        let victim = try await cluster.master(of: "{doomed}")
        let survivor = try await cluster.masters().first { $0 != victim }!
        let doomedChannel = "{doomed}:channel"
        // A key on a master that stays up.
        var safeKey = "safe"
        for index in 0... where try await cluster.master(of: "safe:\(index)") == survivor {
            safeKey = "safe:\(index)"
            break
        }
        try await withRunning(client) {
            try await withRunning(subscriber) {
                try await subscriber.subscribe([doomedChannel])
                // Subscribed once the subscriber has learnt the layout.
                #expect(try await eventually { (try? await client.publish(doomedChannel, "before")) == 1 })
                _ = try await client.send("SET", "{doomed}:key", "before")

                cluster.kill(victim)
                let killedAt = ContinuousClock.now
                // The other shards answer at once, while the failed one's replica is promoted.
                #expect(try await client.send("SET", .string(safeKey), "during") == .simpleString("OK"))
                #expect(ContinuousClock.now - killedAt < .seconds(1))

                var recovered = false
                while ContinuousClock.now - killedAt < .seconds(20) {
                    if (try? await client.send("SET", "{doomed}:key", "after")) == .simpleString("OK") {
                        recovered = true
                        break
                    }
                }
                #expect(recovered)
                let recovery = ContinuousClock.now - killedAt
                print("redis cluster failover: commands to the failed shard answered again after \(recovery)")
                #expect(try await cluster.master(of: "{doomed}") != victim)

                #expect(try await eventually(timeout: .seconds(20)) { inbox.resubscriptions >= 1 })
                #expect(try await eventually { (try? await client.publish(doomedChannel, "after")) == 1 })
                #expect(try await eventually { inbox.payloads(on: doomedChannel) == ["before", "after"] })
            }
        }
    }
}
