import ChatModels
import EventBus
import Foundation
import JSONKit
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
    /// Stores many sends in two round trips whatever their number: the senders'
    /// memberships, then one statement that skips what is already stored under a
    /// `clientMessageId`, bumps each conversation's `seq` once and inserts the rest with
    /// their attachments (one statement is one transaction: all of it or nothing). Drafts
    /// keep their order within a conversation, and `seq` stays gapless. Retries come back
    /// with the message stored before, read in a third round trip only when there are any.
    /// Throws only for the whole batch: a retryable fault (nothing was stored), or an
    /// unexpected one.
    func append(batch drafts: [NewMessage]) async throws -> [BatchOutcome] {
        guard !drafts.isEmpty else { return [] }
        return try await self.database.withConnection { connection in
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
            "SELECT conversation_id, user_id FROM conversation_members WHERE conversation_id = ANY(\(conversationIDs))",
            logger: logger
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

        // A key sent twice in the batch is stored once, by its first draft.
        var candidates: [(index: Int, key: Key)] = []
        var claimed: Set<Key> = []
        for (index, key) in keyed where claimed.insert(key).inserted {
            candidates.append((index, key))
        }
        var stored: [Key: Message] = [:]
        for message in try await self.insertFresh(candidates.map { drafts[$0.index] }, on: connection, logger: logger) {
            stored[Key(sender: message.senderId!, clientMessageID: message.clientMessageId!)] = message
        }
        // The rest were stored before: retries get that message back.
        let earlier = candidates.map(\.key).filter { stored[$0] == nil }
        if !earlier.isEmpty {
            for message in try await Self.stored(
                senders: earlier.map(\.sender),
                clientMessageIDs: earlier.map(\.clientMessageID),
                on: connection,
                logger: logger
            ) {
                stored[Key(sender: message.senderId!, clientMessageID: message.clientMessageId!)] = message
            }
        }
        for (index, key) in keyed {
            guard let message = stored[key] else {
                outcomes[index] = .refused(.notFound("Conversation not found"))  // deleted meanwhile
                continue
            }
            outcomes[index] =
                message.conversationId == drafts[index].conversationID
                ? .stored(message, members: members[message.conversationId] ?? [])
                : .refused(.conflict("client_message_id_reused", "This clientMessageId was used in another conversation"))
        }
        return outcomes.map { $0! }
    }

    /// One statement: the drafts not stored yet get the next `seq`s of their conversation
    /// (its row locked, in id order, so concurrent consumers cannot deadlock) and are
    /// inserted with their attachments. Returns what it stored. A draft stored meanwhile by
    /// another consumer (a claimed entry processed twice at once) breaks the unique index
    /// and the whole statement: nothing is stored, and the retry finds it.
    private static func insertFresh(_ drafts: [NewMessage], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        guard !drafts.isEmpty else { return [] }
        var messages = drafts.map { draft in
            Message(
                id: UUID.random(),
                conversationId: draft.conversationID,
                seq: 0,
                senderId: draft.senderID,
                content: draft.content,
                messageType: draft.type,
                clientMessageId: draft.clientMessageID,
                createdAt: Date()
            )
        }
        let files = zip(drafts, messages).compactMap { draft, message in draft.attachment.map { (file: $0, message: message) } }
        var insertedRows: [UUID: (seq: Int64, createdAt: Date)] = [:]
        do {
            let rows = try await connection.query(
                """
                WITH d AS (
                    SELECT * FROM unnest(
                        \(messages.map(\.id)), \(messages.map(\.conversationId)), \(messages.map { $0.senderId! }),
                        \(messages.map(\.content)), \(messages.map(\.messageType.rawValue)), \(messages.map { $0.clientMessageId! })
                    ) WITH ORDINALITY AS d(id, conversation_id, sender_id, content, message_type, client_message_id, ord)
                ), fresh AS (
                    SELECT d.* FROM d WHERE NOT EXISTS (
                        SELECT 1 FROM messages m WHERE m.sender_id = d.sender_id AND m.client_message_id = d.client_message_id
                    )
                ), counts AS (
                    SELECT conversation_id AS id, count(*) AS n FROM fresh GROUP BY conversation_id
                ), locked AS (
                    SELECT c.id FROM conversations c WHERE c.id IN (SELECT id FROM counts) ORDER BY c.id FOR UPDATE
                ), bumped AS (
                    UPDATE conversations c SET last_seq = c.last_seq + counts.n, updated_at = now()
                    FROM locked, counts WHERE c.id = locked.id AND c.id = counts.id
                    RETURNING c.id, c.last_seq - counts.n AS base
                ), inserted AS (
                    INSERT INTO messages (id, conversation_id, seq, sender_id, content, message_type, client_message_id)
                    SELECT f.id, f.conversation_id, b.base + row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.ord),
                           f.sender_id, f.content, f.message_type, f.client_message_id
                    FROM fresh f JOIN bumped b ON b.id = f.conversation_id
                    RETURNING id, seq, created_at
                ), attached AS (
                    INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key)
                    SELECT a.* FROM unnest(
                        \(files.map(\.file.id)), \(files.map(\.message.conversationId)), \(files.map(\.message.id)),
                        \(files.map { $0.message.senderId! }), \(files.map(\.file.name)), \(files.map(\.file.size)),
                        \(files.map(\.file.mimeType)), \(files.map(\.file.sha256)), \(files.map(\.file.storageKey))
                    ) AS a(id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key)
                    WHERE a.message_id IN (SELECT id FROM inserted)
                )
                SELECT id, seq, created_at FROM inserted
                """,
                logger: logger
            )
            for try await (id, seq, createdAt) in rows.decode((UUID, Int64, Date).self) { insertedRows[id] = (seq, createdAt) }
        } catch  where Database.uniqueViolation(error) == "messages_sender_client_id_key" {
            throw APIError.unavailable("A message of the batch was stored concurrently, try again")
        }

        var stored: [Message] = []
        for (index, draft) in drafts.enumerated() {
            guard let row = insertedRows[messages[index].id] else { continue }
            messages[index].seq = row.seq
            messages[index].createdAt = row.createdAt
            if let file = draft.attachment { messages[index].attachments = [file.attachment] }
            stored.append(messages[index])
        }
        return stored
    }
}
