import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import Hummingbird
import HummingbirdTesting
import JSONKit
import MessagesApp
import MessagesTestSupport
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
        let subscriber = RedisSubscriber(
            configuration: configuration.redis,
            eventLoopGroup: group,
            logger: TestEnvironment.logger,
            onEvent: replies.record
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await redis.run() }
            tasks.addTask { try await subscriber.run() }
            defer { tasks.cancelAll() }
            try await subscribed(subscriber, to: [replies.channel], checkingWith: redis)
            try await withMessages(.router) { client in try await body(client, redis, replies) }
        }
    }

    func append(_ command: SendMessageCommand, replyTo channel: String, on redis: RedisClient, stream: String = CommandStream.key) async throws {
        try await redis.xadd(
            stream,
            fields: [
                CommandStream.commandField: .bytes(try ChatJSON.buffer(command)),
                CommandStream.replyField: .string(channel),
            ]
        )
    }

    @Test func aCommandIsStoredOnceAndAnsweredEachTimeItIsDelivered() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Cmd", "Con")
            let command = SendMessageCommand(
                requestId: "r-1",
                senderId: student.user.id,
                conversationId: conversation.id,
                content: "through the stream",
                messageType: .text,
                clientMessageId: "stream-1"
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
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.map(\.seq) == [1, 2])
        }
    }

    func append(change command: MessageChangeCommand, replyTo channel: String, on redis: RedisClient) async throws {
        try await redis.xadd(
            CommandStream.key,
            fields: [
                CommandStream.commandField: .bytes(command.json),
                CommandStream.replyField: .string(channel),
                CommandStream.kindField: .string(MessageChangeCommand.kind!),
            ]
        )
    }

    /// A send, its edit (twice, as a redelivered entry is), a reaction by the other member
    /// and an outsider's edit, in one stretch of the stream: the edit finds the message the
    /// same batch stored, applies once, and the outsider is refused.
    @Test func changesFollowTheSendsTheyNameAndApplyOnce() async throws {
        try await self.withStream { client, redis, replies in
            let (student, expert, conversation) = try await client.pair("Chg", "Chx")
            let outsider = try await client.register("Mallory")
            let send = SendMessageCommand(
                requestId: "s-1",
                senderId: student.user.id,
                conversationId: conversation.id,
                content: "first draft",
                messageType: .text,
                clientMessageId: "chg-1"
            )
            try await self.append(send, replyTo: replies.channel, on: redis)
            let stored = try #require(try await replies.waitFor(1).first?.message)
            func change(
                _ id: String,
                _ user: UUID,
                _ kind: MessageChangeCommand.Change,
                content: String? = nil,
                emoji: String? = nil
            ) -> MessageChangeCommand {
                MessageChangeCommand(
                    requestId: id,
                    userId: user,
                    conversationId: conversation.id,
                    messageId: stored.id,
                    change: kind,
                    content: content,
                    emoji: emoji
                )
            }
            for command in [
                change("e-1", student.user.id, .edit, content: "final"), change("e-2", student.user.id, .edit, content: "final"),
                change("r-1", expert.user.id, .react, emoji: "🎉"), change("x-1", outsider.user.id, .edit, content: "mine"),
                change("x-2", student.user.id, .react, emoji: "nope"),
            ] {
                try await self.append(change: command, replyTo: replies.channel, on: redis)
            }
            let answers = try await replies.waitFor(6)
            let byID = Dictionary(answers.map { ($0.requestId, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byID["e-1"]?.message?.version == 2 && byID["e-2"]?.message?.version == 2)
            // The repeat changes nothing: it answers the state it found, which the reaction may
            // already have moved on when another consumer of the group took the later entries;
            // which of the two edits is the repeat depends on which consumer ran first.
            let (first, second, reacted) = (byID["e-1"]?.message?.changeSeq, byID["e-2"]?.message?.changeSeq, byID["r-1"]?.message?.changeSeq)
            #expect(first == second || first == reacted || second == reacted)
            #expect(byID["r-1"]?.message?.reactions == [ReactionSummary(emoji: "🎉", count: 1, me: true)])
            #expect(byID["x-1"]?.error?.code == .forbidden && byID["x-2"]?.error?.code == .validationFailed)
            let changes = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/changes?after=0", token: expert.token)
                .decode(ChangePage.self)
            let edited = try #require(changes.messages.last)
            #expect(edited.id == stored.id && edited.content == "final" && edited.version == 2)
            #expect(changes.lastChangeSeq == edited.changeSeq && changes.messages.map(\.changeSeq) == changes.messages.map(\.changeSeq).sorted())
        }
    }

    @Test func aCommandFromAnOutsiderIsRefusedAndNotStored() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Own", "Exp")
            let outsider = try await client.register("Eve")
            try await self.append(
                SendMessageCommand(
                    requestId: "r-out",
                    senderId: outsider.user.id,
                    conversationId: conversation.id,
                    content: "sneaky",
                    messageType: .text,
                    clientMessageId: "s-1"
                ),
                replyTo: replies.channel,
                on: redis
            )
            try await self.append(
                SendMessageCommand(
                    requestId: "r-long",
                    senderId: student.user.id,
                    conversationId: conversation.id,
                    content: String(repeating: "x", count: 10_001),
                    messageType: .text,
                    clientMessageId: "s-2"
                ),
                replyTo: replies.channel,
                on: redis
            )
            let answers = try await replies.waitFor(2)
            #expect(answers.first { $0.requestId == "r-out" }?.error?.code == .forbidden)
            #expect(answers.first { $0.requestId == "r-long" }?.error?.code == .validationFailed)
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.map(\.seq) == [1])
        }
    }

    @Test func entriesLeftPendingByAConsumerThatDiedAreClaimedAndStored() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.commandStreams = ["test:commands:\(UUID().uuidString.prefix(8))"]
        configuration.commands.claimAfter = .milliseconds(300)
        configuration.commands.claimEvery = .milliseconds(100)
        try await self.withStream { [configuration] client, redis, replies in
            let (student, _, conversation) = try await client.pair("Dead", "Claim")
            try await redis.xgroupCreate(stream: configuration.commandStreams[0], group: CommandStream.group)
            try await self.append(
                SendMessageCommand(
                    requestId: "r-claim",
                    senderId: student.user.id,
                    conversationId: conversation.id,
                    content: "orphan",
                    messageType: .text,
                    clientMessageId: "orphan-1"
                ),
                replyTo: replies.channel,
                on: redis,
                stream: configuration.commandStreams[0]
            )
            // A consumer reads it and "dies": it never acknowledges.
            let taken = try await redis.xreadgroup(
                group: CommandStream.group,
                consumer: "dead-consumer",
                stream: configuration.commandStreams[0],
                count: 10,
                block: nil
            )
            #expect(taken.count == 1)
            try await Task.sleep(for: .milliseconds(500))
            #expect(replies.all.isEmpty)  // nobody consumes this stream yet

            // A live instance on that stream claims it once it has been idle long enough.
            let live = try await MessagesApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger)
            try await live.test(.router) { _ in
                let answers = try await replies.waitFor(1)
                #expect(answers.first?.requestId == "r-claim" && answers.first?.message?.content == "orphan")
                // The reply goes out before the entry is acknowledged (publish, then XACK).
                var pending: Int?
                let deadline = ContinuousClock.now + .seconds(3)
                repeat {
                    pending = try await redis.send("XPENDING", .string(configuration.commandStreams[0]), .string(CommandStream.group)).array?.first?
                        .int
                    if pending != 0 { try await Task.sleep(for: .milliseconds(20)) }
                } while pending != 0 && ContinuousClock.now < deadline
                #expect(pending == 0)
            }
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.map(\.content).last == "orphan")
        }
    }

    /// Appends `commands` to a stream no consumer reads yet, then starts an instance on it:
    /// its first read takes them all, as one batch.
    func inOneBatch(
        _ client: any TestClientProtocol,
        _ redis: RedisClient,
        _ replies: Replies,
        _ commands: [SendMessageCommand]
    ) async throws -> [String: CommandReply] {
        var configuration = try TestEnvironment.messages()
        configuration.commandStreams = ["test:commands:\(UUID().uuidString.prefix(8))"]
        for command in commands {
            try await self.append(command, replyTo: replies.channel, on: redis, stream: configuration.commandStreams[0])
        }
        let instance = try await MessagesApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger)
        try await instance.test(.router) { _ in _ = try await replies.waitFor(commands.count) }
        let answers = replies.all
        #expect(answers.count == commands.count)
        return Dictionary(answers.map { ($0.requestId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aBatchStoresInOrderAndRefusesOnlyItsBadCommands() async throws {
        try await self.withStream { client, redis, replies in
            let (student, expert, first) = try await client.pair("Batch", "Mate")
            let second = try await client.open(student, with: [try await client.register("Other", role: .expert)])
            let outsider = try await client.register("Outsider")
            func command(_ id: String, _ sender: Account, _ conversation: UUID, _ content: String, key: String) -> SendMessageCommand {
                SendMessageCommand(
                    requestId: id,
                    senderId: sender.user.id,
                    conversationId: conversation,
                    content: content,
                    messageType: .text,
                    clientMessageId: key
                )
            }
            let answers = try await self.inOneBatch(
                client,
                redis,
                replies,
                [
                    command("r1", student, first.id, "one", key: "k1"),
                    command("r2", expert, first.id, "two", key: "k2"),
                    command("r3", outsider, first.id, "sneaky", key: "k3"),
                    command("r4", student, first.id, "one again", key: "k1"),  // a retry of r1
                    command("r5", student, second.id, "elsewhere", key: "k5"),
                    command("r6", student, second.id, "reused key", key: "k2"),  // k2 is the expert's: fine
                    command("r7", student, second.id, "reused key", key: "k1"),  // k1 is the student's, in `first`
                    command("r8", student, first.id, String(repeating: "x", count: 10_001), key: "k8"),
                    command("r9", student, UUID(), "nowhere", key: "k9"),
                    command("r10", student, first.id, "three", key: "k10"),
                    command(#"r"11\"#, student, first.id, "four", key: "k11"),  // a request id that needs escaping
                ]
            )
            #expect(answers["r1"]?.message?.seq == 2 && answers["r2"]?.message?.seq == 3 && answers["r10"]?.message?.seq == 4)
            #expect(answers["r4"]?.message == answers["r1"]?.message && answers["r4"]?.message?.content == "one")
            #expect(answers["r5"]?.message?.seq == 2 && answers["r6"]?.message?.seq == 3)
            #expect(answers["r3"]?.error?.code == .forbidden)
            #expect(answers["r7"]?.error?.code == .clientMessageIdReused)
            #expect(answers["r8"]?.error?.code == .validationFailed)
            #expect(answers["r9"]?.error?.code == .notFound)
            let history = try await client.call(.get, "/api/chat/conversations/\(first.id)/messages", token: student.token).decode(MessagePage.self)
            #expect(answers[#"r"11\"#]?.message?.seq == 5)
            #expect(history.messages.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(history.messages.dropFirst().map(\.content) == ["one", "two", "three", "four"])
            #expect(history.messages.last?.createdAt == answers[#"r"11\"#]?.message?.createdAt)
        }
    }

    @Test func aCommandThatBreaksItsBatchIsRefusedAloneAndTheRestStored() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Break", "Batch")
            // Two messages claiming one attachment: the second insert violates its key.
            let file = AttachmentDraft(
                id: UUID(),
                name: "a.png",
                size: 3,
                mimeType: "image/png",
                sha256: String(repeating: "0", count: 64),
                storageKey: "ab/cd"
            )
            func command(_ id: String, _ type: MessageType, attachment: AttachmentDraft? = nil) -> SendMessageCommand {
                SendMessageCommand(
                    requestId: id,
                    senderId: student.user.id,
                    conversationId: conversation.id,
                    content: id,
                    messageType: type,
                    clientMessageId: "key-\(id)",
                    attachment: attachment
                )
            }
            let answers = try await self.inOneBatch(
                client,
                redis,
                replies,
                [
                    command("before", .text), command("image", .image, attachment: file), command("again", .image, attachment: file),
                    command("after", .text),
                ]
            )
            #expect(answers["before"]?.message?.seq == 2 && answers["image"]?.message?.seq == 3 && answers["after"]?.message?.seq == 4)
            #expect(answers["image"]?.message?.attachments.map(\.id) == [file.id])
            #expect(answers["again"]?.error?.code == .internal)
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.map(\.content) == [history.messages[0].content, "before", "image", "after"])
        }
    }
}
