import ChatModels
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceKit
import ServiceLifecycle

/// Works through the send commands gateways append to `chat:commands`, as one member of
/// the `messages` consumer group: stores each message in its transaction, publishes it,
/// answers the gateway, and only then lets the entry be acknowledged. Storing is idempotent
/// on `clientMessageId`, so an entry processed twice (claimed from a consumer that died)
/// is stored once.
struct CommandConsumer: Service {
    let stream: StreamConsumer
    let bus: ChatBus
    let messages: MessageStore
    let conversations: ConversationStore
    let events: MessageEvents
    let limits: MessageLimits
    let logger: Logger

    func run() async throws {
        await self.stream.run { entries in try await self.process(entries) }
    }

    /// Conversations are worked on concurrently, one conversation's commands in order.
    /// Returns the entries that are settled: answered, whether stored or refused.
    func process(_ entries: [RedisStreamEntry]) async throws -> [String] {
        var byConversation: [UUID: [(RedisStreamEntry, SendMessageCommand)]] = [:]
        var settled: [String] = []
        for entry in entries {
            guard let command = Self.command(in: entry) else {
                self.logger.error("dropping a malformed command", metadata: ["entry": "\(entry.id)"])
                settled.append(entry.id)
                continue
            }
            byConversation[command.conversationId, default: []].append((entry, command))
        }
        let outcomes = await withTaskGroup(of: [(String, BusEnvelope?, String?)].self) { group in
            for commands in byConversation.values {
                group.addTask { await self.handle(commands) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        var replies: [(BusEnvelope, [String])] = []
        for (entryID, reply, channel) in outcomes {
            settled.append(entryID)
            if let reply, let channel { replies.append((reply, [channel])) }
        }
        // Answer first: an entry is only acknowledged once its gateway has been told.
        try await self.bus.publish(replies)
        return settled
    }

    /// Each settled entry with its reply; stops at the first one that may succeed later,
    /// leaving it and those after it pending, so that a conversation keeps its order.
    private func handle(_ commands: [(RedisStreamEntry, SendMessageCommand)]) async -> [(String, BusEnvelope?, String?)] {
        var settled: [(String, BusEnvelope?, String?)] = []
        for (entry, command) in commands {
            let channel = entry.fields[CommandStream.replyField].map { String(buffer: $0) }
            do {
                let message = try await self.store(command)
                settled.append((entry.id, try BusEnvelope(event: CommandReply.event, encoding: CommandReply(requestId: command.requestId, message: message)), channel))
            } catch {
                let apiError = APIError(error)
                if apiError.retryable {
                    self.logger.warning("command will be retried", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
                    break
                }
                let reply = CommandReply(requestId: command.requestId, error: apiError.body.error)
                settled.append((entry.id, try? BusEnvelope(event: CommandReply.event, encoding: reply), channel))
            }
        }
        return settled
    }

    /// Checks, stores and publishes one message; a message already stored is published again
    /// (its first consumer may have died before publishing; gateways deliver it once).
    private func store(_ command: SendMessageCommand) async throws -> Message {
        switch (command.messageType, command.attachment) {
        case (.text, nil), (.image, _?), (.file, _?): break
        default: throw APIError.validation("TEXT messages carry no file; IMAGE and FILE messages carry one")
        }
        let content = try Validate.content(command.content, maxLength: self.limits.maxContentLength)
        let clientMessageID = try Validate.clientMessageID(command.clientMessageId)
        _ = try await self.conversations.requireMember(conversationID: command.conversationId, userID: command.senderId)
        let (message, _) = try await self.messages.append(
            NewMessage(
                conversationID: command.conversationId, senderID: command.senderId, content: content, type: command.messageType,
                clientMessageID: clientMessageID, attachment: command.attachment
            )
        )
        await self.events.stored(message, memberIDs: try await self.conversations.memberIDs(conversationID: command.conversationId))
        return message
    }

    static func command(in entry: RedisStreamEntry) -> SendMessageCommand? {
        guard let json = entry.fields[CommandStream.commandField] else { return nil }
        return try? ChatJSON.decoder().decode(SendMessageCommand.self, from: json)
    }
}
