import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Redis
import ServiceConfiguration
import Testing

@Suite struct CommandClientTests {
    /// Timeouts come from one sweep timer, re-armed for the oldest command still waiting:
    /// each command fails at its own deadline, not at the next sweep period. A reply
    /// published on the client's channel reaches the command waiting for it.
    @Test func eachUnansweredCommandTimesOutAtItsOwnDeadlineAndAnAnswerIsHeard() async throws {
        let configuration = try RedisConfiguration(try TestEnvironment.values())
        let group = MultiThreadedEventLoopGroup.singleton
        let redis = RedisClient(configuration: configuration, eventLoopGroup: group, logger: TestEnvironment.logger)
        // A stream no consumer reads: no command is answered but the one answered below.
        let commands = CommandClient(
            redis: redis,
            configuration: configuration,
            eventLoopGroup: group,
            instanceID: "timeout-test-\(UUID.random().text())",
            timeout: .milliseconds(400),
            streams: ["test:commands:\(UUID.random().text())"],
            logger: TestEnvironment.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await redis.run() }
            tasks.addTask { try await commands.run() }
            defer { tasks.cancelAll() }
            try await subscribed(nil, to: [commands.channel], checkingWith: redis)
            func command() -> SendMessageCommand {
                SendMessageCommand(
                    requestId: UUID.random().text(),
                    senderId: UUID.random(),
                    conversationId: UUID.random(),
                    content: "x",
                    messageType: .text,
                    clientMessageId: UUID.random().text()
                )
            }
            let outcomes = try await withThrowingTaskGroup(of: (Duration, APIError?).self) { waits in
                for offset in [0, 150, 300] {
                    waits.addTask {
                        try await Task.sleep(for: .milliseconds(offset))
                        let started = ContinuousClock.now
                        let reply = try await commands.submit(command())
                        do {
                            _ = try await reply.get()
                            return (started.duration(to: .now), nil)
                        } catch {
                            return (started.duration(to: .now), error as? APIError)
                        }
                    }
                }
                return try await waits.reduce(into: []) { $0.append($1) }
            }
            for (waited, error) in outcomes {
                #expect(error?.body.error.code == .timeout && error?.retryable == true)
                #expect(waited >= .milliseconds(390) && waited < .milliseconds(900), "waited \(waited)")
            }
            let fresh = command()
            let freshReply = try await commands.submit(fresh)
            let message = Message(
                id: UUID.random(),
                conversationId: fresh.conversationId,
                seq: 1,
                senderId: fresh.senderId,
                content: "x",
                messageType: .text,
                clientMessageId: fresh.clientMessageId,
                createdAt: Date(timeIntervalSince1970: 1_764_063_000.125)
            )
            let reply = JSONObjectWriter.object { object in
                object.json("message", message.json)
                object.string("requestId", fresh.requestId)
            }
            try await ChatBus(redis: redis).publish(BusEnvelope.reply(reply), to: [commands.channel])
            let stored = try await freshReply.get().messageJSON()
            #expect(try ChatJSON.decoder().decode(Message.self, from: stored) == message)
        }
    }
}
