import NIOCore
import NIOPosix
import Redis
import Testing

/// The client and the subscriber through Redis Sentinel: one master, one replica, three
/// sentinels, the master killed and the replica promoted.
@Suite struct RedisSentinelTests {
    @Test func aKilledMasterIsReplacedByTheOneTheSentinelsPromote() async throws {
        let servers = try await RedisSentinelProcesses()
        let client = RedisClient(configuration: servers.configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: testLogger)
        let inbox = Inbox()
        let subscriber = quickSubscriber(servers.configuration, channels: ["room"], inbox: inbox)
        try await withRunning(client) {
            try await withRunning(subscriber) {
                #expect(try await client.send("SET", "key", "before") == .simpleString("OK"))
                // The client found the master through the sentinels.
                #expect(try await servers.ask(servers.master, RedisCommand("GET", "key")).string == "before")
                #expect(try await eventually { (try? await client.publish("room", "before")) == 1 })

                servers.kill(servers.master)
                let killedAt = ContinuousClock.now
                var recovered = false
                while ContinuousClock.now - killedAt < .seconds(30) {
                    if (try? await client.send("SET", "key", "after")) == .simpleString("OK") {
                        recovered = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(recovered)
                print("redis sentinel failover: writes answered again after \(ContinuousClock.now - killedAt)")
                // The write went to the promoted replica.
                #expect(try await servers.ask(servers.replica, RedisCommand("GET", "key")).string == "after")
                #expect(try await servers.ask(servers.replica, RedisCommand("ROLE")).array?.first?.string == "master")

                #expect(try await eventually(timeout: .seconds(20)) { inbox.resubscriptions >= 1 })
                #expect(try await eventually { (try? await client.publish("room", "after")) == 1 })
                #expect(try await eventually { inbox.payloads(on: "room") == ["before", "after"] })
            }
        }
    }
}
