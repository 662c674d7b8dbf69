import ChatModels
import EventBus
import Foundation
import HTTPTypes
import JSONKit
import PostgresNIO
import ServiceConfiguration
import ServiceKit

/// A change a member asks for, to one message.
enum MessageChange: Sendable, Hashable {
    case edit(content: String)
    case delete
    case react(emoji: String)
    case unreact(emoji: String)
}

/// Bounds on changes.
struct ChangeRules: Sendable {
    /// How long after sending a message may be edited; nil: always.
    var editWindow: Duration?
    /// Distinct emoji one message may carry.
    var maxReactionsPerMessage: Int
}

/// What a change did: the message as its author now sees it (a retry, or an edit to the
/// same text, changes nothing and gets the message as it stands), and the event that
/// tells the conversation (published again for a retry: its first try may have died
/// before publishing).
struct ChangeOutcome: Sendable {
    var message: Message
    var event: BusEnvelope
    /// Whether members' lists change: a delete (unread counts, the preview) or an edit of
    /// the newest message (the preview).
    var changesSummaries: Bool
}

extension MessageStore {
    /// Applies `change` to a message of the conversation on behalf of `userID`, in one
    /// transaction: the message row is locked first, then the conversation's, whose
    /// `last_change_seq` the change takes (sends lock only the conversation, so no two
    /// writers wait on each other in opposite orders). Applying the same change twice
    /// changes the message once, so a command redelivered from the stream is harmless.
    ///
    /// A `moderator` (an admin acting on a report) changes a message of any conversation, not
    /// only their own; `alongside` runs in the same transaction (the report resolved, the
    /// audit line), so that neither is without the other.
    func apply(
        _ change: MessageChange,
        to messageID: UUID,
        in conversationID: UUID,
        by userID: UUID,
        rules: ChangeRules,
        moderator: Bool = false,
        alongside: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
    ) async throws
        -> ChangeOutcome
    {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            var message = try await Self.lockedMessage(messageID, in: conversationID, for: moderator ? nil : userID, on: connection, logger: logger)
            let write = ChangeWrite(connection: connection, logger: logger, conversationID: conversationID, userID: userID, moderator: moderator)
            try await alongside?(connection, logger)
            var changesSummaries = false
            switch change {
            case .edit(let content): changesSummaries = try await write.edit(&message, to: content, window: rules.editWindow)
            case .delete: changesSummaries = try await write.delete(&message)
            case .react(let emoji): try await write.react(&message, with: emoji, maxReactions: rules.maxReactionsPerMessage)
            case .unreact(let emoji): try await write.unreact(&message, emoji)
            }
            message = try await MessageRows.withDetails([message], for: userID, on: connection, logger: logger)[0]
            let reactionCount: Int
            switch change {
            case .react(let emoji), .unreact(let emoji): reactionCount = message.reactions.first { $0.emoji == emoji }?.count ?? 0
            case .edit, .delete: reactionCount = 0
            }
            return ChangeOutcome(
                message: message,
                event: try Self.event(change, message, by: userID, count: reactionCount),
                changesSummaries: changesSummaries
            )
        }
    }

    /// The message, locked for the change, once the user is found a member of its
    /// conversation (nil: a moderator's change, of any conversation).
    private static func lockedMessage(
        _ id: UUID,
        in conversationID: UUID,
        for userID: UUID?,
        on connection: PostgresConnection,
        logger: Logger
    )
        async throws -> Message
    {
        let membership = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM conversations WHERE id = \(conversationID)),
                   \(userID == nil) OR EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = \(conversationID) AND user_id = \(userID))
            """,
            logger: logger
        )
        for try await (exists, member) in membership.decode((Bool, Bool).self) {
            guard exists else { throw APIError.notFound("Conversation not found") }
            guard member else { throw APIError.forbidden("You are not a member of this conversation") }
        }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: MessageRows.columns) FROM messages m
            WHERE m.id = \(id) AND m.conversation_id = \(conversationID) FOR NO KEY UPDATE
            """,
            logger: logger
        )
        guard let message = try await MessageRows.messages(rows).first else { throw APIError.notFound("Message not found in this conversation") }
        return message
    }

    /// The event for the conversation, as the message now stands. Its id is the message's
    /// and its `changeSeq`, so a gateway delivers it once however often it is published.
    private static func event(_ change: MessageChange, _ message: Message, by userID: UUID, count: Int) throws -> BusEnvelope {
        let id = message.id.text() + ":" + String(message.changeSeq)
        func reaction(_ emoji: String) -> ReactionChanged {
            ReactionChanged(
                conversationId: message.conversationId,
                messageId: message.id,
                userId: userID,
                emoji: emoji,
                count: count,
                changeSeq: message.changeSeq
            )
        }
        switch change {
        case .edit:
            return BusEnvelope(event: ServerEvent.messageUpdated, id: id, data: try ChatJSON.buffer(MessageUpdated(message)))
        case .delete:
            return BusEnvelope(event: ServerEvent.messageDeleted, id: id, data: try ChatJSON.buffer(MessageDeleted(message)))
        case .react(let emoji):
            return BusEnvelope(event: ServerEvent.reactionAdded, id: id, data: try ChatJSON.buffer(reaction(emoji)))
        case .unreact(let emoji):
            return BusEnvelope(event: ServerEvent.reactionRemoved, id: id, data: try ChatJSON.buffer(reaction(emoji)))
        }
    }

    /// What changed in the conversation after `changeSeq`, ascending, as `reader` sees it: one
    /// statement, so the page and the conversation's `last_change_seq` are of one snapshot
    /// (changes take their number under the conversation's lock, so they commit in order and
    /// a snapshot holds every change up to its newest).
    /// Throws nothing for a conversation the reader cannot see: callers check membership.
    func changes(
        conversationID: UUID,
        after changeSeq: Int64,
        limit: Int,
        maxBytes: Int,
        reader: UUID,
        window: ReadWindow = .everything
    ) async throws -> ChangePage {
        try await self.database.withConnection { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                SELECT c.last_change_seq, \(unescaped: MessageRows.columns) FROM conversations c
                JOIN LATERAL (
                    SELECT * FROM messages x WHERE x.conversation_id = c.id AND x.change_seq > \(changeSeq)
                      AND x.seq > \(window.after) AND x.seq <= \(window.through ?? .max)
                    ORDER BY x.change_seq LIMIT \(limit + 1)
                ) m ON true
                WHERE c.id = \(conversationID)
                ORDER BY m.change_seq
                """,
                logger: logger
            )
            var lastChangeSeq = changeSeq
            var changed: [Message] = []
            for try await row in rows.decode(
                (Int64, UUID, UUID, Int64, UUID?, String, String, String?, Date, Int64, Int64, Date?, Date?, UUID?, String?).self
            ) {
                lastChangeSeq = row.0
                changed.append(
                    MessageRows.message((row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13, row.14))
                )
            }
            // Nothing changed after `changeSeq` (a message keeps the number of its last change,
            // and numbers only grow): the next request starts where this one did.
            let (messages, hasMore) = Self.first(changed, count: limit, bytes: maxBytes)
            if hasMore, let last = messages.last { lastChangeSeq = last.changeSeq }
            return ChangePage(
                messages: try await MessageRows.withDetails(messages, for: reader, on: connection, logger: logger),
                lastChangeSeq: lastChangeSeq,
                hasMore: hasMore
            )
        }
    }
}

extension Duration {
    /// "15 minutes", "1 minute", "30 seconds".
    var minutesText: String {
        let seconds = Int(self.seconds)
        if seconds % 60 != 0 || seconds < 60 { return seconds == 1 ? "1 second" : "\(seconds) seconds" }
        return seconds == 60 ? "1 minute" : "\(seconds / 60) minutes"
    }
}
