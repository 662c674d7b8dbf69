import NIOCore
import NIOPosix
import Redis
import Testing

@Suite struct RedisSubscriberTests {
    let prefix = "test:\(UInt64.random(in: 0...UInt64.max)):"

    @Test func subscribedChannelsAndPatternsReceiveMessages() async throws {
        let configuration = try testRedisConfiguration()
        let inbox = Inbox()
        let subscriber = RedisSubscriber(
            configuration: configuration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: testLogger,
            onEvent: inbox.record
        )
        let client = RedisClient(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: testLogger)
        try await withRunning(client) {
            try await withRunning(subscriber) {
                #expect(try await eventually { try await client.send("PUBSUB", "NUMSUB", .string(prefix + "probe")).array != nil })
                try await waitForSubscription(subscriber, client: client, channel: prefix + "a")
                try await subscriber.psubscribe([prefix + "p:*"])
                #expect(try await client.publish(prefix + "a", "one") == 1)
                #expect(try await client.publish(prefix + "p:7", "two") == 1)
                #expect(try await client.publish(prefix + "other", "three") == 0)
                #expect(try await eventually { inbox.messages.count == 2 })
                #expect(inbox.payloads(on: prefix + "a") == ["one"])
                #expect(inbox.messages.first { $0.channel == prefix + "p:7" }?.pattern == prefix + "p:*")

                try await subscriber.unsubscribe([prefix + "a"])
                #expect(try await client.publish(prefix + "a", "after") == 0)
                #expect(!(await subscriber.subscribedChannels.contains(prefix + "a")))
            }
        }
    }

    @Test func aRedisRestartMidSubscriptionIsSurvived() async throws {
        let server = try RedisServerProcess()
        let inbox = Inbox()
        let subscriber = quickSubscriber(server.configuration, inbox: inbox)
        let client = RedisClient(configuration: server.configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: testLogger)
        try await withRunning(client) {
            try await withRunning(subscriber) {
                try await waitForSubscription(subscriber, client: client, channel: "room:1")
                try await subscriber.psubscribe(["user:*"])
                #expect(try await client.publish("room:1", "before") == 1)

                server.kill()
                try server.start()

                // Every channel and pattern is subscribed again, without anyone asking.
                #expect(try await eventually { inbox.resubscriptions == 1 })
                #expect(try await eventually { (try? await client.publish("room:1", "after")) == 1 })
                #expect(try await client.publish("user:9", "pattern after") == 1)
                #expect(try await eventually { inbox.payloads(on: "room:1") == ["before", "after"] })
                #expect(try await eventually { inbox.payloads(on: "user:9") == ["pattern after"] })
            }
        }
    }

    /// A server that stops answering without closing (a partition) is noticed by the unanswered
    /// ping, left, and subscribed to again once it answers.
    @Test func aServerThatFallsSilentIsLeftAndFoundAgain() async throws {
        let server = try RedisServerProcess()
        let inbox = Inbox()
        let subscriber = quickSubscriber(server.configuration, channels: ["room"], inbox: inbox)
        let client = RedisClient(configuration: server.configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: testLogger)
        try await withRunning(client) { () async throws -> Void in
            try await withRunning(subscriber) { () async throws -> Void in
                #expect(try await eventually { (try? await client.publish("room", "before")) == 1 })
                server.pause()
                #expect(try await eventually(timeout: .seconds(15)) { inbox.disconnections >= 1 })
                server.resume()
                #expect(try await eventually(timeout: .seconds(15)) { inbox.resubscriptions >= 1 })
                #expect(try await eventually { (try? await client.publish("room", "after")) == 1 })
                #expect(try await eventually { inbox.payloads(on: "room") == ["before", "after"] })
            }
        }
    }

    /// Subscribes, once the subscriber's first connection is up.
    func waitForSubscription(_ subscriber: RedisSubscriber, client: RedisClient, channel: String) async throws {
        try await subscriber.subscribe([channel])
        let subscribed = try await eventually {
            let reply = try? await client.send("PUBSUB", "NUMSUB", .string(channel))
            return reply?.array?.last?.int == 1
        }
        #expect(subscribed, "subscription to \(channel) never reached Redis")
    }
}
