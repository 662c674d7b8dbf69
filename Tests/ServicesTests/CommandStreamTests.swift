import ChatModels
import Foundation
import Hummingbird
import HummingbirdTesting
import MessagesApp
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Redis
import ServiceKit
import Testing

/// The durable send path as a gateway uses it: commands into the stream, replies on the
/// gateway's channel, messages stored once however often a command is delivered.
@Suite struct CommandStreamTests {
    /// Replies heard on a made-up gateway's channel.
    final class Replies: Sendable {
        let channel = BusChannel.replies("test-\(UUID().uuidString.prefix(8))")
        private let box = NIOLockedValueBox<[CommandReply]>([])

        func record(_ event: RedisSubscriber.Event) {
            guard case .message(let message) = event, let envelope = BusEnvelope(decoding: message.payload),
                let reply = try? ChatJSON.decoder().decode(CommandReply.self, from: envelope.data)
            else { return }
            self.box.withLockedValue { $0.append(reply) }
        }

        var all: [CommandReply] { self.box.withLockedValue { $0 } }

        func waitFor(_ count: Int) async throws -> [CommandReply] {
            let deadline = ContinuousClock.now + .seconds(15)
            while self.all.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            return self.all
        }
    }

    func withStream(_ body: @escaping @Sendable (any TestClientProtocol, RedisClient, Replies) async throws -> Void) async throws {
        let configuration = try TestEnvironment.messages()
        let replies = Replies()
        let group = MultiThreadedEventLoopGroup.singleton
        let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: TestEnvironment.logger)
        let subscriber = RedisSubscriber(configuration: configuration.redis, eventLoopGroup: group, logger: TestEnvironment.logger, onEvent: replies.record)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await redis.run() }
            tasks.addTask { try await subscriber.run() }
            defer { tasks.cancelAll() }
            try await EventPublishingTests().subscribed(subscriber, to: [replies.channel], checkingWith: redis)
            try await withMessages(.router) { client in try await body(client, redis, replies) }
        }
    }

    func append(_ command: SendMessageCommand, replyTo channel: String, on redis: RedisClient, stream: String = CommandStream.key) async throws {
        try await redis.xadd(stream, fields: [
            CommandStream.commandField: .bytes(ByteBuffer(bytes: try ChatJSON.encoder().encode(command))),
            CommandStream.replyField: .string(channel),
        ])
    }

    @Test func aCommandIsStoredOnceAndAnsweredEachTimeItIsDelivered() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Cmd", "Con")
            let command = SendMessageCommand(
                requestId: "r-1", senderId: student.user.id, conversationId: conversation.id,
                content: "through the stream", messageType: .text, clientMessageId: "stream-1"
            )
            try await self.append(command, replyTo: replies.channel, on: redis)
            var again = command
            again.requestId = "r-2"
            try await self.append(again, replyTo: replies.channel, on: redis)

            let answers = try await replies.waitFor(2)
            #expect(Set(answers.map(\.requestId)) == ["r-1", "r-2"])
            let stored = try #require(answers.first?.message)
            #expect(answers.allSatisfy { $0.message == stored })
            #expect(stored.senderId == student.user.id && stored.seq == 2 && stored.clientMessageId == "stream-1")
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(MessagePage.self)
            #expect(history.messages.map(\.seq) == [1, 2])
        }
    }

    @Test func aCommandFromAnOutsiderIsRefusedAndNotStored() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Own", "Exp")
            let outsider = try await client.register("Eve")
            try await self.append(
                SendMessageCommand(requestId: "r-out", senderId: outsider.user.id, conversationId: conversation.id, content: "sneaky", messageType: .text, clientMessageId: "s-1"),
                replyTo: replies.channel, on: redis
            )
            try await self.append(
                SendMessageCommand(requestId: "r-long", senderId: student.user.id, conversationId: conversation.id, content: String(repeating: "x", count: 10_001), messageType: .text, clientMessageId: "s-2"),
                replyTo: replies.channel, on: redis
            )
            let answers = try await replies.waitFor(2)
            #expect(answers.first { $0.requestId == "r-out" }?.error?.code == "forbidden")
            #expect(answers.first { $0.requestId == "r-long" }?.error?.code == "validation_failed")
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(MessagePage.self)
            #expect(history.messages.map(\.seq) == [1])
        }
    }

    @Test func entriesLeftPendingByAConsumerThatDiedAreClaimedAndStored() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.commandStream = "test:commands:\(UUID().uuidString.prefix(8))"
        configuration.commands.claimAfter = .milliseconds(300)
        configuration.commands.claimEvery = .milliseconds(100)
        try await self.withStream { [configuration] client, redis, replies in
            let (student, _, conversation) = try await client.pair("Dead", "Claim")
            try await redis.xgroupCreate(stream: configuration.commandStream, group: CommandStream.group)
            try await self.append(
                SendMessageCommand(requestId: "r-claim", senderId: student.user.id, conversationId: conversation.id, content: "orphan", messageType: .text, clientMessageId: "orphan-1"),
                replyTo: replies.channel, on: redis, stream: configuration.commandStream
            )
            // A consumer reads it and "dies": it never acknowledges.
            let taken = try await redis.xreadgroup(group: CommandStream.group, consumer: "dead-consumer", stream: configuration.commandStream, count: 10, block: nil)
            #expect(taken.count == 1)
            try await Task.sleep(for: .milliseconds(500))
            #expect(replies.all.isEmpty)  // nobody consumes this stream yet

            // A live instance on that stream claims it once it has been idle long enough.
            let live = try await MessagesApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger)
            try await live.test(.router) { _ in
                let answers = try await replies.waitFor(1)
                #expect(answers.first?.requestId == "r-claim" && answers.first?.message?.content == "orphan")
                let pending = try await redis.send("XPENDING", .string(configuration.commandStream), .string(CommandStream.group)).array?.first?.int
                #expect(pending == 0)
            }
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(MessagePage.self)
            #expect(history.messages.map(\.content).last == "orphan")
        }
    }
}

