import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import Hummingbird
import HummingbirdTesting
import JSONKit
import Logging
import MessagesApp
import MessagesTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Redis
import ServiceKit
import Testing

@Suite struct EventPublishingTests {
    @Test func storedMessagesAndReadsReachTheBus() async throws {
        let configuration = try TestEnvironment.messages()
        let app = try await buildApplication(configuration: configuration, logger: TestEnvironment.logger)
        let received = BusRecorder()
        let group = MultiThreadedEventLoopGroup.singleton
        let subscriber = RedisSubscriber(
            configuration: configuration.redis,
            eventLoopGroup: group,
            logger: TestEnvironment.logger,
            onEvent: received.record
        )
        let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: group, logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await subscriber.run() }
            tasks.addTask { try await redis.run() }
            defer { tasks.cancelAll() }
            try await app.test(.router) { client in
                let student = try await client.register("Pub")
                let expert = try await client.register("Sub", role: .expert)
                let conversation = try await client.open(student, with: [expert])
                let conversationChannel = BusChannel.conversation(conversation.id)
                try await subscribed(subscriber, to: [conversationChannel, BusChannel.users], checkingWith: redis)

                let message = try await client.send(student, "over the bus", in: conversation.id, clientMessageId: "bus-1").decode(Message.self)
                // A retry is answered with the stored message and published again (gateways
                // deliver an id once): its first try may have stored it and died unpublished.
                let retry = try await client.send(student, "over the bus", in: conversation.id, clientMessageId: "bus-1")
                #expect(try retry.status == .ok && retry.decode(Message.self) == message)
                _ = try await client.call(
                    .post,
                    "/api/chat/conversations/\(conversation.id)/read",
                    token: expert.token,
                    json: MarkReadRequest(seq: 2)
                )
                // Reading up to where one already is moves nothing and announces nothing.
                _ = try await client.call(
                    .post,
                    "/api/chat/conversations/\(conversation.id)/read",
                    token: expert.token,
                    json: MarkReadRequest(seq: 2)
                )

                let deadline = ContinuousClock.now + .seconds(5)
                while received.events(on: conversationChannel).count < 3 || received.addressed(to: expert.user.id).count < 3,
                    ContinuousClock.now < deadline
                {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .milliseconds(100))
                #expect(received.events(on: conversationChannel) == ["new_message", "new_message", "messages_read"])
                let ids = received.all.filter { $0.channel == conversationChannel && $0.envelope.event == "new_message" }.map(\.envelope.id)
                #expect(ids.count == 2 && ids[0] == ids[1] && ids[0] == message.id.text())
                let published = try #require(received.all.first { $0.channel == conversationChannel })
                #expect(try ChatJSON.decoder().decode(Message.self, from: Data(buffer: published.envelope.data)) == message)
                let receipt = try #require(received.all.last { $0.channel == conversationChannel && $0.envelope.event == "messages_read" })
                #expect(try ChatJSON.decoder().decode(ReadReceipt.self, from: Data(buffer: receipt.envelope.data)).seq == 2)

                // A notification for the other member (again with the retry, under the same id:
                // a gateway delivers it once), not for sockets already in the conversation; none
                // for the sender.
                let notifications = Self.events(ServerEvent.notification.rawValue, in: received.addressed(to: expert.user.id))
                #expect(notifications.count == 2)
                #expect(Set(notifications.map(\.id)).count == 1)
                let notification = try ChatJSON.decoder().decode(ChatNotification.self, from: Data(buffer: try #require(notifications.first).data))
                #expect(notification.message == message && notification.conversationId == conversation.id)
                #expect(notifications.first?.skipRoom == conversation.id && notifications.first?.id == message.id.text())
                // For the sender, only the expert's receipt, to their sockets outside the room
                // (the room has its own copy); the members count the message they get (in the
                // room or as the notification), so no `conversation_updated` goes with it. The
                // expert's read brings their own sockets the count: none.
                let toSender = received.addressed(to: student.user.id)
                #expect(toSender.map(\.event) == [ServerEvent.messagesRead.rawValue])
                #expect(toSender.first?.skipRoom == conversation.id)
                #expect(try Self.unreadCounts(in: received.addressed(to: expert.user.id)).contains(0))
                #expect(try !Self.unreadCounts(in: received.addressed(to: expert.user.id)).contains(1))
            }
        }
    }

    static func events(_ name: String, in envelopes: [BusEnvelope]) -> [BusEnvelope] {
        envelopes.filter { $0.event == name }
    }

    /// The unread counts `conversation_updated` carried, in order.
    static func unreadCounts(in envelopes: [BusEnvelope]) throws -> [Int] {
        try envelopes.filter { $0.event == ServerEvent.conversationUpdated.rawValue }.map {
            try ChatJSON.decoder().decode(ConversationUpdated.self, from: Data(buffer: $0.data)).unreadCount
        }
    }
}
