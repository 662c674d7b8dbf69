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
        let conversationIDs = Array(Set(drafts.map(\.conversationID)))
        // Each member, and whether they block the other member of a direct conversation:
        // it then takes no message from either of them.
        var members: [UUID: [UUID]] = [:]
        var blockers: [UUID: Set<UUID>] = [:]
        for try await (conversation, user, blocks) in try await connection.query(
            "SELECT conversation_id, user_id, blocks_other FROM conversation_members WHERE conversation_id = ANY(\(conversationIDs))",
            logger: logger
        ).decode((UUID, UUID, Bool).self) {
            members[conversation, default: []].append(user)
            if blocks { blockers[conversation, default: []].insert(user) }
        }

        let originals = try await MessageRows.replyPreviews(of: drafts.compactMap(\.replyTo), on: connection, logger: logger)

        var outcomes = [BatchOutcome?](repeating: nil, count: drafts.count)
        var accepted: [Int] = []
        for (index, draft) in drafts.enumerated() {
            if let refusal = Self.refusal(
                of: draft,
                members: members[draft.conversationID],
                blockers: blockers[draft.conversationID] ?? [],
                originals: originals
            ) {
                outcomes[index] = .refused(refusal)
            } else {
                accepted.append(index)
            }
        }

        // A key sent twice in the batch is stored once, by its first draft.
        var claimed: Set<Key> = []
        let candidates = accepted.filter { index in Key(drafts[index]).map { claimed.insert($0).inserted } ?? true }
        var storedNow: [Int: Message] = [:]
        var byKey: [Key: Message] = [:]
        let fresh = try await self.insertFresh(candidates.map { drafts[$0] }, originals: originals, on: connection, logger: logger)
        for (index, message) in zip(candidates, fresh) {
            guard let message else { continue }
            storedNow[index] = message
            if let key = Key(drafts[index]) { byKey[key] = message }
        }
        // The rest were stored before: retries get that message back.
        let earlier = candidates.compactMap { storedNow[$0] == nil ? Key(drafts[$0]) : nil }
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
            guard let message = storedNow[index] ?? Key(draft).flatMap({ byKey[$0] }) else {
                outcomes[index] = .refused(.notFound("Conversation not found"))  // deleted meanwhile
                continue
            }
            outcomes[index] =
                message.conversationId == draft.conversationID
                ? .stored(message, members: members[message.conversationId] ?? [], created: storedNow[index] != nil)
                : .refused(APIError(.clientMessageIdReused, "This clientMessageId was used in another conversation"))
        }
        return outcomes.map { $0! }
    }

    /// Why the draft cannot be stored, if it cannot: its conversation is gone, its sender is
    /// not a member, it is a direct conversation with a block between its two members, it
    /// claims to be the server's own without being a SYSTEM message, or it answers a message
    /// that is not in its conversation or was deleted.
    private static func refusal(of draft: NewMessage, members: [UUID]?, blockers: Set<UUID>, originals: [UUID: ReplyOriginal]) -> APIError? {
        guard let members else { return .notFound("Conversation not found") }
        guard let sender = draft.senderID, sender != Self.noSender else {
            return draft.type == .system && draft.attachment == nil ? nil : .validation("Only SYSTEM messages have no sender")
        }
        guard members.contains(sender) else { return .forbidden("You are not a member of this conversation") }
        if !blockers.isEmpty {
            // The one blocked is not told why: only that nothing was delivered.
            return blockers.contains(sender)
                ? APIError(.notDelivered, "You blocked this person: unblock them to write here")
                : APIError(.notDelivered, "Your message was not delivered")
        }
        if let replyTo = draft.replyTo {
            guard let original = originals[replyTo], original.conversationID == draft.conversationID else {
                return .notFound("The message replied to is not in this conversation")
            }
            if original.preview.deleted { return APIError(.messageDeleted, "The message replied to was deleted") }
        }
        return nil
    }

    /// Stands for "no sender" (and "no original") in the statement's arrays, which hold no
    /// NULLs: no user or message has it.
    private static let noSender = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// A send stored under the same key by someone else while this one was being stored.
    static let storedConcurrently = APIError.unavailable("A message of the batch was stored concurrently, try again")

    /// One statement: the drafts not stored yet get the next `seq`s of their conversation
    /// (its row locked, in id order, so concurrent consumers cannot deadlock) and are
    /// inserted with their attachments. Returns each draft's message, nil for those already
    /// stored. A draft stored meanwhile by another consumer (a claimed entry processed twice
    /// at once) breaks `message_keys`' primary key (written by a trigger on `messages`) and
    /// the whole statement: nothing is stored, and the retry finds it.
    private static func insertFresh(
        _ drafts: [NewMessage],
        originals: [UUID: ReplyOriginal],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Message?] {
        guard !drafts.isEmpty else { return [] }
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
        do {
            let rows = try await connection.query(Self.insertStatement(messages, attachments: zip(drafts, messages)), logger: logger)
            for try await (id, seq, changeSeq, createdAt) in rows.decode((UUID, Int64, Int64, Date).self) {
                inserted[id] = (seq, changeSeq, createdAt)
            }
        } catch  where Database.uniqueViolation(error) == "message_keys_pkey" {
            throw Self.storedConcurrently
        }
        return zip(drafts, messages).map { draft, message in
            guard let row = inserted[message.id] else { return nil }
            var message = message
            (message.seq, message.changeSeq, message.createdAt) = row
            if let file = draft.attachment { message.attachments = [file.attachment] }
            return message
        }
    }

    /// The statement `insertFresh` runs: returns the id, `seq`, `changeSeq` and time of each
    /// message it inserted.
    private static func insertStatement(
        _ messages: [Message],
        attachments: some Sequence<(NewMessage, Message)>
    ) -> PostgresQuery {
        let files = attachments.compactMap { draft, message in draft.attachment.map { (file: $0, message: message) } }
        return """
            WITH d AS (
                SELECT u.id, u.conversation_id, NULLIF(u.sender_id, \(Self.noSender)) AS sender_id, u.content, u.message_type,
                       NULLIF(u.client_message_id, '') AS client_message_id, NULLIF(u.reply_to, \(Self.noSender)) AS reply_to,
                       NULLIF(u.call, '')::jsonb AS call, u.ord
                FROM unnest(
                    \(messages.map(\.id)), \(messages.map(\.conversationId)), \(messages.map { $0.senderId ?? Self.noSender }),
                    \(messages.map(\.content)), \(messages.map(\.messageType.rawValue)), \(messages.map { $0.clientMessageId ?? "" }),
                    \(messages.map { $0.replyTo?.id ?? Self.noSender }), \(messages.map { $0.call.map(MessageRows.json) ?? "" })
                ) WITH ORDINALITY AS u(id, conversation_id, sender_id, content, message_type, client_message_id, reply_to, call, ord)
            ), fresh AS (
                SELECT d.* FROM d WHERE NOT EXISTS (
                    SELECT 1 FROM message_keys k WHERE k.sender_id = d.sender_id AND k.client_message_id = d.client_message_id
                )
            ), counts AS (
                SELECT conversation_id AS id, count(*) AS n FROM fresh GROUP BY conversation_id
            ), locked AS (
                SELECT c.id FROM conversations c WHERE c.id IN (SELECT id FROM counts) ORDER BY c.id FOR UPDATE
            ), bumped AS (
                UPDATE conversations c
                SET last_seq = c.last_seq + counts.n, last_change_seq = c.last_change_seq + counts.n, updated_at = now()
                FROM locked, counts WHERE c.id = locked.id AND c.id = counts.id
                RETURNING c.id, c.last_seq - counts.n AS base, c.last_change_seq - counts.n AS change_base
            ), numbered AS (
                SELECT f.*, b.base, b.change_base, row_number() OVER (PARTITION BY f.conversation_id ORDER BY f.ord) AS n
                FROM fresh f JOIN bumped b ON b.id = f.conversation_id
            ), inserted AS (
                INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type, client_message_id, reply_to, call)
                SELECT id, conversation_id, base + n, change_base + n, sender_id, content, message_type, client_message_id, reply_to, call
                FROM numbered
                RETURNING id, conversation_id, sender_id, message_type, call, seq, change_seq, created_at
            ), counted AS (
                -- Every other member has these unread (a watermark is never past the last message).
                UPDATE conversation_members cm SET unread_count = cm.unread_count + n.count
                FROM (
                    SELECT i.conversation_id, member.user_id, count(*) AS count
                    FROM inserted i JOIN conversation_members member ON member.conversation_id = i.conversation_id
                    WHERE \(unescaped: MessageRows.countsAsUnread("i")) AND i.sender_id IS DISTINCT FROM member.user_id
                    GROUP BY i.conversation_id, member.user_id
                ) n
                WHERE cm.conversation_id = n.conversation_id AND cm.user_id = n.user_id
            ), attached AS (
                INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key, width, height)
                SELECT a.id, a.conversation_id, a.message_id, a.uploader_id, a.name, a.size, a.mime_type, a.sha256, a.storage_key,
                    nullif(a.width, 0), nullif(a.height, 0)
                FROM unnest(
                    \(files.map(\.file.id)), \(files.map(\.message.conversationId)), \(files.map(\.message.id)),
                    \(files.map { $0.message.senderId! }), \(files.map(\.file.name)), \(files.map(\.file.size)),
                    \(files.map(\.file.mimeType)), \(files.map(\.file.sha256)), \(files.map(\.file.storageKey)),
                    \(files.map { Int32($0.file.width ?? 0) }), \(files.map { Int32($0.file.height ?? 0) })
                ) AS a(id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key, width, height)
                WHERE a.message_id IN (SELECT id FROM inserted)
            )
            SELECT id, seq, change_seq, created_at FROM inserted
            """
    }
}
