import ChatModels
import EventBus
import Foundation
import JSONKit
import PostgresNIO
import ServiceKit

/// What became of one draft of a batch.
enum BatchOutcome: Sendable {
    /// Stored now (`created`), or earlier under the same `clientMessageId`; `members` are
    /// the conversation's, for its notifications.
    case stored(Message, members: [UUID], created: Bool)
    case refused(APIError)
}

extension MessageStore {
    /// Stores many sends in one round trip whatever their number (two when some answer a
    /// message): one statement checks the senders' memberships, skips what is already
    /// stored under a `clientMessageId`, bumps each conversation's `seq` once and inserts
    /// the rest with their attachments (one statement is one transaction: all of it or
    /// nothing). Drafts keep their order within a conversation, and `seq` stays gapless.
    /// Retries come back with the message stored before, read in one more round trip only
    /// when there are any. Throws only for the whole batch: a retryable fault (nothing was
    /// stored), or an unexpected one.
    func append(batch drafts: [NewMessage]) async throws -> [BatchOutcome] {
        guard !drafts.isEmpty else { return [] }
        return try await self.sends.withConnection { connection in
            try await Self.insert(batch: drafts, on: connection, logger: self.sends.logger)
        }
    }

    /// What makes a send a retry of an earlier one: its sender and `clientMessageId`.
    private struct Key: Hashable {
        var sender: UUID
        var clientMessageID: String

        init(sender: UUID, clientMessageID: String) {
            self.sender = sender
            self.clientMessageID = clientMessageID
        }

        /// Nil for a draft that cannot be a retry: the server's own, or one without a key.
        init?(_ draft: NewMessage) {
            guard let sender = draft.senderID, let clientMessageID = draft.clientMessageID else { return nil }
            self.init(sender: sender, clientMessageID: clientMessageID)
        }
    }

    /// Stores the drafts on `connection`, inside the caller's transaction if it has one, and
    /// says what became of each. A draft without a sender is the server's own (a SYSTEM
    /// message); one without a `clientMessageId` is never taken for a retry.
    static func insert(batch drafts: [NewMessage], on connection: PostgresConnection, logger: Logger) async throws -> [BatchOutcome] {
        let originals = try await MessageRows.replyPreviews(of: drafts.compactMap(\.replyTo), on: connection, logger: logger)
        // The statement checks memberships and blocks against the members it reads, and
        // returns them: the same `refusal` then says why it skipped a draft.
        let (fresh, conversations) = try await self.insertFresh(drafts, originals: originals, on: connection, logger: logger)

        var outcomes = [BatchOutcome?](repeating: nil, count: drafts.count)
        var accepted: [Int] = []
        for (index, draft) in drafts.enumerated() {
            let conversation = conversations[draft.conversationID]
            if let refusal = Self.refusal(
                of: draft,
                members: conversation?.members,
                blockers: conversation?.blockers ?? [],
                originals: originals
            ) {
                outcomes[index] = .refused(refusal)
            } else {
                accepted.append(index)
            }
        }

        var byKey: [Key: Message] = [:]
        for (draft, message) in zip(drafts, fresh) {
            if let message, let key = Key(draft) { byKey[key] = message }
        }
        // The rest were stored before (or by an earlier draft of the batch with their key):
        // retries get that message back.
        let earlier = Set(accepted.compactMap { fresh[$0] == nil ? Key(drafts[$0]) : nil }).filter { byKey[$0] == nil }
        if !earlier.isEmpty {
            for message in try await Self.stored(
                senders: earlier.map(\.sender),
                clientMessageIDs: earlier.map(\.clientMessageID),
                on: connection,
                logger: logger
            ) {
                byKey[Key(sender: message.senderId!, clientMessageID: message.clientMessageId!)] = message
            }
        }
        for index in accepted {
            let draft = drafts[index]
            guard let message = fresh[index] ?? Key(draft).flatMap({ byKey[$0] }) else {
                outcomes[index] = .refused(.notFound("Conversation not found"))  // deleted meanwhile
                continue
            }
            outcomes[index] =
                message.conversationId == draft.conversationID
                ? .stored(message, members: conversations[message.conversationId]?.members ?? [], created: fresh[index] != nil)
                : .refused(APIError(.clientMessageIdReused, "This clientMessageId was used in another conversation"))
        }
        return outcomes.map { $0! }
    }

    /// Why the draft cannot be stored, if it cannot: its conversation is gone, its sender is
    /// not a member, it is a direct conversation with a block between its two members, or
    /// one of `refusal(of:originals:)`'s. `InsertBatch` stores exactly the drafts this lets through.
    private static func refusal(of draft: NewMessage, members: [UUID]?, blockers: Set<UUID>, originals: [UUID: ReplyOriginal]) -> APIError? {
        guard let members else { return .notFound("Conversation not found") }
        guard let sender = draft.senderID, sender != InsertBatch.none else { return Self.refusal(of: draft, originals: originals) }
        guard members.contains(sender) else { return .forbidden("You are not a member of this conversation") }
        if !blockers.isEmpty {
            // The one blocked is not told why: only that nothing was delivered.
            return blockers.contains(sender)
                ? APIError(.notDelivered, "You blocked this person: unblock them to write here")
                : APIError(.notDelivered, "Your message was not delivered")
        }
        return Self.refusal(of: draft, originals: originals)
    }

    /// Why the draft cannot be stored whoever the members are: it claims to be the server's
    /// own without being a SYSTEM message, or it answers a message that is not in its
    /// conversation or was deleted.
    private static func refusal(of draft: NewMessage, originals: [UUID: ReplyOriginal]) -> APIError? {
        guard let sender = draft.senderID, sender != InsertBatch.none else {
            return draft.type == .system && draft.attachment == nil ? nil : .validation("Only SYSTEM messages have no sender")
        }
        if let replyTo = draft.replyTo {
            guard let original = originals[replyTo], original.conversationID == draft.conversationID else {
                return .notFound("The message replied to is not in this conversation")
            }
            if original.preview.deleted { return APIError(.messageDeleted, "The message replied to was deleted") }
        }
        return nil
    }

    /// A conversation's members as `InsertBatch` read them, and those who block the other
    /// member of a direct conversation: it then takes no message from either of them.
    private struct Members {
        var members: [UUID]
        var blockers: Set<UUID>
    }

    /// One statement (`InsertBatch`): the drafts not stored yet whose senders may write get
    /// the next `seq`s of their conversation and are inserted with their attachments.
    /// Returns each draft's message, nil for those refused, already stored, or being stored
    /// by another consumer meanwhile (a claimed entry processed twice at once: the statement
    /// waits for that one to commit); and the members of each conversation that has any.
    private static func insertFresh(
        _ drafts: [NewMessage],
        originals: [UUID: ReplyOriginal],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (messages: [Message?], conversations: [UUID: Members]) {
        let messages = drafts.map { draft in
            Message(
                id: MessageIDs.new(),
                conversationId: draft.conversationID,
                seq: 0,
                senderId: draft.senderID,
                content: draft.content,
                messageType: draft.type,
                clientMessageId: draft.clientMessageID,
                createdAt: Date(),
                replyTo: draft.replyTo.flatMap { originals[$0]?.preview },
                call: draft.call
            )
        }
        var inserted: [UUID: (seq: Int64, changeSeq: Int64, createdAt: Date)] = [:]
        var conversations: [UUID: Members] = [:]
        let files = zip(drafts, messages).compactMap { draft, message in draft.attachment.map { (file: $0, message: message) } }
        let statement = InsertBatch(
            messages: messages,
            files: files,
            storable: drafts.map { Self.refusal(of: $0, originals: originals) == nil }
        )
        for try await (id, seq, changeSeq, createdAt, members, blockers) in try await connection.execute(statement, logger: logger) {
            if let members {
                conversations[id] = Members(members: members, blockers: Set(blockers ?? []))
            } else if let seq, let changeSeq, let createdAt {
                inserted[id] = (seq, changeSeq, createdAt)
            }
        }
        let stored: [Message?] = zip(drafts, messages).map { draft, message in
            guard let row = inserted[message.id] else { return nil }
            var message = message
            (message.seq, message.changeSeq, message.createdAt) = row
            if let file = draft.attachment { message.attachments = [file.attachment] }
            return message
        }
        return (stored, conversations)
    }
}
