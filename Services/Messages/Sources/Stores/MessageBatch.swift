import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// What became of one draft of a batch.
enum BatchOutcome: Sendable {
    /// Stored now, or earlier under the same `clientMessageId`; `members` are the
    /// conversation's, for its notifications.
    case stored(Message, members: [UUID])
    case refused(APIError)
}

extension MessageStore {
    /// Stores many sends with a handful of statements in one transaction, whatever their
    /// number: the senders' memberships, the messages already stored under their
    /// `clientMessageId`s, one `seq` bump per conversation, one multi-row insert. Drafts
    /// keep their order within a conversation, and `seq` stays gapless. Throws only for
    /// the whole batch: a retryable fault (nothing was stored), or an unexpected one.
    func append(batch drafts: [NewMessage]) async throws -> [BatchOutcome] {
        guard !drafts.isEmpty else { return [] }
        return try await self.database.transaction { connection in
            try await Self.insert(batch: drafts, on: connection, logger: self.database.logger)
        }
    }

    private struct Key: Hashable {
        var sender: UUID
        var clientMessageID: String
    }

    private static func insert(batch drafts: [NewMessage], on connection: PostgresConnection, logger: Logger) async throws -> [BatchOutcome] {
        let conversationIDs = Array(Set(drafts.map(\.conversationID)))
        var members: [UUID: [UUID]] = [:]
        for try await (conversation, user) in try await connection.query(
            "SELECT conversation_id, user_id FROM conversation_members WHERE conversation_id = ANY(\(conversationIDs))", logger: logger
        ).decode((UUID, UUID).self) {
            members[conversation, default: []].append(user)
        }

        var outcomes = [BatchOutcome?](repeating: nil, count: drafts.count)
        var keyed: [(index: Int, key: Key)] = []
        for (index, draft) in drafts.enumerated() {
            guard let sender = draft.senderID, let clientMessageID = draft.clientMessageID else {
                outcomes[index] = .refused(.validation("A batched message needs a sender and a clientMessageId"))
                continue
            }
            guard let conversationMembers = members[draft.conversationID] else {
                outcomes[index] = .refused(.notFound("Conversation not found"))
                continue
            }
            guard conversationMembers.contains(sender) else {
                outcomes[index] = .refused(.forbidden("You are not a member of this conversation"))
                continue
            }
            keyed.append((index, Key(sender: sender, clientMessageID: clientMessageID)))
        }

        // Retries of sends stored before (or earlier in this batch) get that message back.
        var stored: [Key: Message] = [:]
        if !keyed.isEmpty {
            let rows = try await connection.query(
                """
                SELECT \(unescaped: MessageRows.columns) FROM messages m
                JOIN unnest(\(keyed.map(\.key.sender)), \(keyed.map(\.key.clientMessageID))) AS k(sender_id, client_message_id)
                  ON m.sender_id = k.sender_id AND m.client_message_id = k.client_message_id
                """,
                logger: logger
            )
            for message in try await MessageRows.withAttachments(try await MessageRows.messages(rows), on: connection, logger: logger) {
                if let sender = message.senderId, let clientMessageID = message.clientMessageId {
                    stored[Key(sender: sender, clientMessageID: clientMessageID)] = message
                }
            }
        }
        var fresh: [(index: Int, key: Key)] = []
        var claimed: Set<Key> = []
        for (index, key) in keyed where stored[key] == nil && claimed.insert(key).inserted {
            fresh.append((index, key))
        }

        if !fresh.isEmpty {
            let created = try await self.insertFresh(fresh.map { drafts[$0.index] }, on: connection, logger: logger)
            for ((_, key), message) in zip(fresh, created) { stored[key] = message }
        }
        for (index, key) in keyed {
            let message = stored[key]!
            outcomes[index] = message.conversationId == drafts[index].conversationID
                ? .stored(message, members: members[message.conversationId] ?? [])
                : .refused(.conflict("client_message_id_reused", "This clientMessageId was used in another conversation"))
        }
        return outcomes.map { $0! }
    }

    /// Bumps each conversation's `last_seq` by its number of drafts (locking the rows in
    /// id order, so concurrent consumers cannot deadlock) and inserts the drafts with
    /// their `seq`s in one statement.
    private static func insertFresh(_ drafts: [NewMessage], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        var counts: [UUID: Int64] = [:]
        for draft in drafts { counts[draft.conversationID, default: 0] += 1 }
        let bumped = try await connection.query(
            """
            WITH locked AS (SELECT id FROM conversations WHERE id = ANY(\(Array(counts.keys))) ORDER BY id FOR UPDATE)
            UPDATE conversations c SET last_seq = c.last_seq + v.n, updated_at = now()
            FROM locked, unnest(\(Array(counts.keys)), \(Array(counts.values))) AS v(id, n)
            WHERE c.id = locked.id AND c.id = v.id
            RETURNING c.id, c.last_seq
            """,
            logger: logger
        )
        var nextSeq: [UUID: Int64] = [:]
        for try await (conversation, last) in bumped.decode((UUID, Int64).self) {
            nextSeq[conversation] = last - counts[conversation]! + 1
        }
        guard nextSeq.count == counts.count else { throw APIError.notFound("Conversation not found") }

        var messages: [Message] = []
        messages.reserveCapacity(drafts.count)
        for draft in drafts {
            let seq = nextSeq[draft.conversationID]!
            nextSeq[draft.conversationID] = seq + 1
            messages.append(
                Message(
                    id: UUID(), conversationId: draft.conversationID, seq: seq, senderId: draft.senderID, content: draft.content,
                    messageType: draft.type, clientMessageId: draft.clientMessageID, createdAt: Date()
                )
            )
        }
        let inserted = try await connection.query(
            """
            INSERT INTO messages (id, conversation_id, seq, sender_id, content, message_type, client_message_id)
            SELECT * FROM unnest(
                \(messages.map(\.id)), \(messages.map(\.conversationId)), \(messages.map(\.seq)), \(messages.map { $0.senderId! }),
                \(messages.map(\.content)), \(messages.map(\.messageType.rawValue)), \(messages.map { $0.clientMessageId! })
            )
            ON CONFLICT (sender_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
            RETURNING id, created_at
            """,
            logger: logger
        )
        var createdAt: [UUID: Date] = [:]
        for try await (id, date) in inserted.decode((UUID, Date).self) { createdAt[id] = date }
        // Another consumer stored one of these since we looked (a claimed entry processed
        // twice at once): roll back, and the retry finds it stored.
        guard createdAt.count == messages.count else { throw APIError.unavailable("A message of the batch was stored concurrently, try again") }

        for (index, draft) in drafts.enumerated() {
            messages[index].createdAt = createdAt[messages[index].id]!
            if let file = draft.attachment, let uploader = draft.senderID {
                try await connection.query(
                    """
                    INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key)
                    VALUES (\(file.id), \(draft.conversationID), \(messages[index].id), \(uploader), \(file.name), \(file.size), \(file.mimeType), \(file.sha256), \(file.storageKey))
                    """,
                    logger: logger
                )
                messages[index].attachments = [
                    Attachment(id: file.id, name: file.name, size: file.size, mimeType: file.mimeType, sha256: file.sha256, url: Attachment.downloadPath(file.id))
                ]
            }
        }
        return messages
    }
}
