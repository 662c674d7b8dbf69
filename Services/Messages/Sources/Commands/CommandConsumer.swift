import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceKit
import ServiceLifecycle

/// Works through the commands gateways append to `chat:commands`, as one member of
/// the `messages` consumer group: stores each batch read in one transaction, publishes
/// the messages and answers the gateways in one pipelined write, and only then lets the
/// entries be acknowledged. Storing is idempotent on `clientMessageId`, so an entry
/// processed twice (claimed from a consumer that died) is stored once; edits, deletes and
/// reactions are applied one by one after the batch's sends, and change a message once
/// however often they are applied.
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

    /// A command that passed the checks that need no database.
    private struct Checked {
        var entry: RedisStreamEntry
        var command: SendMessageCommand
        var draft: NewMessage
    }

    /// Returns the entries that are settled: answered, whether stored or refused. When the
    /// database cannot be reached none of the stored kind is, and all of them come back.
    func process(_ entries: [RedisStreamEntry]) async throws -> [String] {
        var settled: [String] = []
        var publishes: [(envelope: BusEnvelope, channels: [String])] = []
        var checked: [Checked] = []
        var changes: [RedisStreamEntry] = []
        // Whose lists change besides by the batch's new messages, which every member's
        // sockets have (`new_message` in the room, `notification` outside it) and count
        // themselves: the conversations with a delete, a new last text, or a call's line
        // that is no notification.
        var summaries: Set<UUID> = []
        for entry in entries {
            if entry.fields[CommandStream.kindField].map({ String(buffer: $0) }) == MessageChangeCommand.kind {
                changes.append(entry)
                continue
            }
            guard let command = Self.command(in: entry) else {
                self.logger.error("dropping a malformed command", metadata: ["entry": "\(entry.id)"])
                settled.append(entry.id)
                continue
            }
            do {
                checked.append(Checked(entry: entry, command: command, draft: try self.draft(command)))
            } catch {
                settled.append(entry.id)
                publishes += Self.reply(to: entry, Self.refusal(requestID: command.requestId, error))
            }
        }

        let outcomes: [BatchOutcome]
        do {
            outcomes = try await self.messages.append(batch: checked.map(\.draft))
        } catch let error as APIError where error.retryable {
            self.logger.warning("commands will be retried", metadata: ["count": "\(checked.count)", "error": "\(error)"])
            try await self.bus.publish(publishes)
            return settled
        } catch {
            // Something in the batch breaks it (no fault of the database's): each alone,
            // so that only the command at fault is refused.
            self.logger.warning("a batch failed; storing its commands one by one", metadata: ["error": "\(error)"])
            outcomes = try await self.oneByOne(checked.map(\.draft))
        }
        for (item, outcome) in zip(checked, outcomes) {
            switch outcome {
            case .stored(let message, let members, _):
                settled.append(item.entry.id)
                let encoded = EncodedMessage(message)
                // Published again for a retried send: its first consumer may have died
                // before publishing, and gateways deliver a message id once.
                publishes += self.events.envelopes(stored: encoded, memberIDs: members)
                // A call's line that notifies nobody still moves the members' lists.
                if !MessageEvents.notifies(encoded.message) { summaries.insert(encoded.message.conversationId) }
                publishes += Self.reply(
                    to: item.entry,
                    BusEnvelope.reply(encoded.reply(requestID: item.command.requestId))
                )
            case .refused(let error) where error.retryable:
                continue
            case .refused(let error):
                settled.append(item.entry.id)
                publishes += Self.reply(to: item.entry, Self.refusal(requestID: item.command.requestId, error))
            }
        }
        // Changes after the batch's sends, in stream order: an edit of a message sent in the
        // same batch finds it stored.
        for entry in changes {
            guard let (changed, conversation) = await self.apply(entry) else { continue }
            settled.append(entry.id)
            publishes += changed
            if let conversation { summaries.insert(conversation) }
        }
        if !summaries.isEmpty {
            do {
                publishes += MessageEvents.envelopes(updated: try await self.conversations.updates(of: Array(summaries)))
            } catch {
                // The messages are stored: lists catch up on their next read.
                self.logger.warning("conversation updates could not be read", metadata: ["error": "\(error)"])
            }
        }
        // The events and the answers in one write; an entry is only acknowledged once its
        // gateway has been told.
        try await self.bus.publish(publishes)
        return settled
    }

    /// Applies one change; returns its event and reply (and the conversation if members'
    /// lists change), or nil when it must wait (the database could not be reached).
    private func apply(_ entry: RedisStreamEntry) async -> ([(envelope: BusEnvelope, channels: [String])], UUID?)? {
        guard let json = entry.fields[CommandStream.commandField],
            let command = try? ChatJSON.decoder().decode(MessageChangeCommand.self, from: json)
        else {
            self.logger.error("dropping a malformed command", metadata: ["entry": "\(entry.id)"])
            return ([], nil)
        }
        do {
            let outcome = try await self.messages.apply(
                try self.change(of: command),
                to: MessageIDs.stored(command.messageId),
                in: command.conversationId,
                by: command.userId,
                rules: self.limits.changeRules
            )
            let reply = BusEnvelope.reply(EncodedMessage(outcome.message).reply(requestID: command.requestId))
            return (
                [(outcome.event, [BusChannel.conversation(command.conversationId)])] + Self.reply(to: entry, reply),
                outcome.changesSummaries ? command.conversationId : nil
            )
        } catch {
            let apiError = APIError(error)
            return apiError.retryable ? nil : (Self.reply(to: entry, Self.refusal(requestID: command.requestId, apiError)), nil)
        }
    }

    /// The checks that need no database, as for a REST change.
    private func change(of command: MessageChangeCommand) throws(APIError) -> MessageChange {
        switch command.change {
        case .edit: .edit(content: try MessageRules.content(command.content ?? "", maxLength: self.limits.maxContentLength))
        case .delete: .delete
        case .react: .react(emoji: try MessageRules.emoji(command.emoji ?? ""))
        case .unreact: .unreact(emoji: try MessageRules.emoji(command.emoji ?? ""))
        }
    }

    /// The checks that need no database.
    private func draft(_ command: SendMessageCommand) throws(APIError) -> NewMessage {
        switch (command.messageType, command.attachment, command.call) {
        case (.text, nil, nil), (.image, _?, nil), (.file, _?, nil), (.call, nil, _?): break
        default: throw .validation("TEXT messages carry no file; IMAGE and FILE messages carry one; CALL messages carry their call")
        }
        if let file = command.attachment, [file.width, file.height].contains(where: { ($0 ?? 1) < 1 || ($0 ?? 1) > 65_535 }) {
            throw .validation("A picture's width and height are 1 to 65535 pixels")
        }
        return NewMessage(
            conversationID: command.conversationId,
            senderID: command.senderId,
            content: try MessageRules.content(command.content, maxLength: self.limits.maxContentLength),
            type: command.messageType,
            clientMessageID: try MessageRules.clientMessageID(command.clientMessageId),
            attachment: command.attachment,
            replyTo: command.replyTo.map(MessageIDs.stored),
            call: command.call
        )
    }

    /// Each draft in its own transaction; a conversation stops at its first retryable
    /// failure, so that what follows it waits and keeps its order.
    private func oneByOne(_ drafts: [NewMessage]) async throws -> [BatchOutcome] {
        var blocked: Set<UUID> = []
        var outcomes: [BatchOutcome] = []
        for draft in drafts {
            guard !blocked.contains(draft.conversationID) else {
                outcomes.append(.refused(.unavailable("An earlier message of this conversation is waiting")))
                continue
            }
            do {
                outcomes += try await self.messages.append(batch: [draft])
            } catch {
                let apiError = APIError(error)
                if apiError.retryable { blocked.insert(draft.conversationID) }
                outcomes.append(.refused(apiError))
            }
        }
        return outcomes
    }

    private static func refusal(requestID: String, _ error: APIError) -> BusEnvelope? {
        (try? ChatJSON.buffer(CommandReply(requestId: requestID, error: error.body.error))).map {
            BusEnvelope.reply($0)
        }
    }

    /// The reply, on the channel the entry names.
    private static func reply(to entry: RedisStreamEntry, _ reply: BusEnvelope?) -> [(envelope: BusEnvelope, channels: [String])] {
        guard let reply, let channel = entry.fields[CommandStream.replyField].map({ String(buffer: $0) }) else { return [] }
        return [(reply, [channel])]
    }

    static func command(in entry: RedisStreamEntry) -> SendMessageCommand? {
        guard let json = entry.fields[CommandStream.commandField] else { return nil }
        return try? SendMessageCommand(json: json)
    }
}
