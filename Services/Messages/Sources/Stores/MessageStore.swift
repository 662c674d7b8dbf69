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
}

/// Which page of history: older than a `seq`, newer than one, or the newest.
enum HistoryCursor: Sendable, Equatable {
    case before(Int64)
    case after(Int64)
    case latest
}

/// Messages: appended with the next per-conversation `seq`, read back by `seq`.
struct MessageStore: Sendable {
    let database: Database

    /// A retry of a send that was already stored, found by its `clientMessageId`.
    private struct AlreadyStored: Error {}

    /// Stores the message, or — when this sender already stored one with the same
    /// `clientMessageId` — returns that one with `created == false`.
    func append(_ new: NewMessage) async throws -> (message: Message, created: Bool) {
        do {
            let message = try await self.database.transaction { connection in
                try await Self.insert(new, on: connection, logger: self.database.logger)
            }
            return (message, true)
        } catch is AlreadyStored {
            guard let existing = try await self.existing(sender: new.senderID, clientMessageID: new.clientMessageID) else {
                throw APIError.unavailable("The message could not be stored, try again")
            }
            guard existing.conversationId == new.conversationID else {
                throw APIError.conflict("client_message_id_reused", "This clientMessageId was used in another conversation")
            }
            return (existing, false)
        }
    }

    /// Inserts inside the caller's transaction. Bumping `last_seq` first takes the
    /// conversation's row lock, which orders concurrent sends and makes `seq` gapless.
    static func insert(_ new: NewMessage, on connection: PostgresConnection, logger: Logger) async throws -> Message {
        let bumped = try await connection.query(
            "UPDATE conversations SET last_seq = last_seq + 1, updated_at = now() WHERE id = \(new.conversationID) RETURNING last_seq",
            logger: logger
        )
        var seq: Int64?
        for try await value in bumped.decode(Int64.self) { seq = value }
        guard let seq else { throw APIError.notFound("Conversation not found") }

        let id = UUID.random()
        let inserted = try await connection.query(
            """
            INSERT INTO messages (id, conversation_id, seq, sender_id, content, message_type, client_message_id)
            VALUES (\(id), \(new.conversationID), \(seq), \(new.senderID), \(new.content), \(new.type.rawValue), \(new.clientMessageID))
            ON CONFLICT (sender_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
            RETURNING created_at
            """,
            logger: logger
        )
        var createdAt: Date?
        for try await value in inserted.decode(Date.self) { createdAt = value }
        if let createdAt {
            var attachments: [Attachment] = []
            if let file = new.attachment, let uploader = new.senderID {
                try await connection.query(
                    """
                    INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key)
                    VALUES (\(file.id), \(new.conversationID), \(id), \(uploader), \(file.name), \(file.size), \(file.mimeType), \(file.sha256), \(file.storageKey))
                    """,
                    logger: logger
                )
                attachments.append(file.attachment)
            }
            return Message(
                id: id,
                conversationId: new.conversationID,
                seq: seq,
                senderId: new.senderID,
                content: new.content,
                messageType: new.type,
                clientMessageId: new.clientMessageID,
                createdAt: createdAt,
                attachments: attachments
            )
        }
        // Rolls back the `seq` bump with the transaction.
        throw AlreadyStored()
    }

    private func existing(sender: UUID?, clientMessageID: String?) async throws -> Message? {
        guard let sender, let clientMessageID else { return nil }
        return try await self.database.withConnection { connection in
            try await Self.stored(senders: [sender], clientMessageIDs: [clientMessageID], on: connection, logger: self.database.logger).first
        }
    }

    /// The messages stored earlier under these (sender, `clientMessageId`) pairs, with their attachments.
    static func stored(senders: [UUID], clientMessageIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: MessageRows.columns) FROM messages m
            JOIN unnest(\(senders), \(clientMessageIDs)) AS k(sender_id, client_message_id)
              ON m.sender_id = k.sender_id AND m.client_message_id = k.client_message_id
            """,
            logger: logger
        )
        return try await MessageRows.withAttachments(try await MessageRows.messages(rows), on: connection, logger: logger)
    }

    /// One page of a conversation's history, ascending by `seq`.
    func page(conversationID: UUID, cursor: HistoryCursor, limit: Int) async throws -> MessagePage {
        try await self.database.withConnection { connection in
            let logger = self.database.logger
            let rows: PostgresRowSequence
            switch cursor {
            case .after(let seq):
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: MessageRows.columns) FROM messages m
                    WHERE m.conversation_id = \(conversationID) AND m.seq > \(seq) ORDER BY m.seq ASC LIMIT \(limit + 1)
                    """,
                    logger: logger
                )
            case .before, .latest:
                let before: Int64 = if case .before(let seq) = cursor { seq } else { .max }
                rows = try await connection.query(
                    """
                    SELECT \(unescaped: MessageRows.columns) FROM messages m
                    WHERE m.conversation_id = \(conversationID) AND m.seq < \(before) ORDER BY m.seq DESC LIMIT \(limit + 1)
                    """,
                    logger: logger
                )
            }
            var messages = try await MessageRows.messages(rows)
            let hasMore = messages.count > limit
            messages = Array(messages.prefix(limit))
            if case .after = cursor {} else { messages.reverse() }  // newest-first pages are returned ascending too
            return MessagePage(messages: try await MessageRows.withAttachments(messages, on: connection, logger: logger), hasMore: hasMore)
        }
    }
}
