import ChatModels
import EventBus
import Foundation
import JSONKit
import PostgresNIO
import ServiceKit

/// A message to store, its sender already authenticated and authorized.
struct NewMessage: Sendable {
    var conversationID: UUID
    /// nil for SYSTEM messages.
    var senderID: UUID?
    var content: String
    var type: MessageType
    var clientMessageID: String?
    /// Stored in the message's transaction.
    var attachment: AttachmentDraft? = nil
    /// A message of the same conversation.
    var replyTo: UUID? = nil
    /// A CALL message's call.
    var call: CallRecord? = nil
}

/// Which page of history: older than a `seq`, newer than one, or the newest.
enum HistoryCursor: Sendable, Equatable {
    case before(Int64)
    case after(Int64)
    case latest
}

/// Messages: appended with the next per-conversation `seq` (one way for every writer: see
/// `append(batch:)`), read back by `seq`.
struct MessageStore: Sendable {
    let database: Database
    /// Where sends are stored: connections that plan without sequential scans (see
    /// `InsertBatch`), the same pool as every other statement where there are none.
    let sends: Database

    init(database: Database, sends: Database? = nil) {
        self.database = database
        self.sends = sends ?? database
    }

    /// Stores one message the way a batch is stored.
    func append(_ draft: NewMessage) async throws -> (message: Message, members: [UUID], created: Bool) {
        switch try await self.append(batch: [draft])[0] {
        case .stored(let message, let members, let created): return (message, members, created)
        case .refused(let error): throw error
        }
    }

    /// The messages stored earlier under these (sender, `clientMessageId`) pairs, with their attachments.
    static func stored(senders: [UUID], clientMessageIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: MessageRows.columns)
            FROM unnest(\(senders), \(clientMessageIDs)) AS u(sender_id, client_message_id)
            JOIN message_keys k ON k.sender_id = u.sender_id AND k.client_message_id = u.client_message_id
            -- Looked up by id, so in its one partition (see `ConversationStore.lastMessages`).
            CROSS JOIN LATERAL (SELECT * FROM messages x WHERE x.id = k.message_id LIMIT 1) m
            """,
            logger: logger
        )
        return try await MessageRows.withAttachments(try await MessageRows.messages(rows), on: connection, logger: logger)
    }

    /// One page of a conversation's history, ascending by `seq`: at most `limit` messages and
    /// about `maxBytes` of content, so that a small request cannot ask for megabytes.
    func page(
        conversationID: UUID,
        cursor: HistoryCursor,
        limit: Int,
        maxBytes: Int,
        reader: UUID,
        window: ReadWindow = .everything
    ) async throws -> MessagePage {
        try await self.database.withReadConnection { connection in
            let logger = self.database.logger
            let rows: PostgresRowSequence
            switch cursor {
            case .after(let seq):
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: MessageRows.columns) FROM messages m
                    WHERE m.conversation_id = \(conversationID) AND m.seq > \(max(seq, window.after)) AND m.seq <= \(window.through ?? .max)
                    ORDER BY m.seq ASC LIMIT \(limit + 1)
                    """,
                    logger: logger
                )
            case .before, .latest:
                let before: Int64 = if case .before(let seq) = cursor { seq } else { .max }
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: MessageRows.columns) FROM messages m
                    WHERE m.conversation_id = \(conversationID) AND m.seq < \(before) AND m.seq > \(window.after) AND m.seq <= \(window.through ?? .max)
                    ORDER BY m.seq DESC LIMIT \(limit + 1)
                    """,
                    logger: logger
                )
            }
            var (messages, hasMore) = Self.first(try await MessageRows.messages(rows), count: limit, bytes: maxBytes)
            if case .after = cursor {} else { messages.reverse() }  // newest-first pages are returned ascending too
            return MessagePage(messages: try await MessageRows.withDetails(messages, for: reader, on: connection, logger: logger), hasMore: hasMore)
        }
    }

    /// The first messages of `messages` within `count` and about `bytes` (always one, however
    /// big), and whether any were left out.
    static func first(_ messages: [Message], count: Int, bytes: Int) -> (messages: [Message], more: Bool) {
        var total = 0
        var kept = 0
        for message in messages.prefix(count) {
            // Content dominates; the rest of a message's JSON is a few hundred bytes.
            total += message.content.utf8.count + 256
            if kept > 0 && total > bytes { break }
            kept += 1
        }
        return (Array(messages.prefix(kept)), messages.count > kept)
    }
}
