import ChatModels
import EventBus
import Foundation
import PostgresNIO

// The send path's statement, prepared once a connection: Postgres planned the batch insert
// afresh for every batch, about 400 µs of its 1,200–1,800 (pg_stat_statements, #32). A
// prepared statement keeps one generic plan, made from the statistics of the moment, until
// they change (autovacuum analyses a table once a tenth of it is new). Only a table that
// grows faster than that can outgrow its plan: `message_keys`, thousands of rows a second,
// which was empty on a new deployment. So the insert never reads it: it inserts the keys
// and skips the conflicts, which only its primary key decides. It runs on
// connections that plan without sequential scans and keep the generic plan
// (`DatabaseSettings.sendClientConfiguration`).

/// Inserts the messages not stored yet under their (sender, `clientMessageId`) whose senders
/// may write there, each with the next `seq` of its conversation, with their attachments,
/// and their conversations for the mail sweep (`mail_due`). Nothing is written per
/// recipient: unread counts are counted when read (`ConversationStore.unreadCount`).
///
/// A draft is inserted when it is `storable` (the checks that need no members passed) and
/// its sender is a member of a conversation where nobody blocks the other member (or it is
/// the server's own): `MessageStore.refusal` refuses exactly the others, from the members
/// this statement returns. Checking here, against the members it reads, makes a batch one
/// round trip: the members had been a statement of their own before it.
///
/// Returns a row for each message it inserted (id, `seq`, `changeSeq`, time; no members) and
/// one for each of the batch's conversations that has members (its id, its members, and
/// those who block the other member of a direct conversation). The arrays hold no NULLs: a
/// nil is `none` (a uuid no user or message has) or an empty string. One row a conversation,
/// not a member: in groups of 20, a row a member was 8 % of the messages service's time at
/// 3,300 sends a second (perf, #32).
///
/// The keys go in first, in key order, and the conversations are locked next, in id order,
/// so concurrent batches wait for each other rather than deadlock. A key sent twice in the
/// batch is stored by its first draft; a key another transaction is inserting waits for it:
/// stored, the draft is skipped here (its retry finds the message); rolled back, it is
/// stored here.
struct InsertBatch: PostgresPreparedStatement {
    /// Stands for "no sender" and "no original" in the uuid arrays.
    static let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    static let sql = """
        WITH d AS (
            SELECT u.id, u.conversation_id, NULLIF(u.sender_id, '\(none)') AS sender_id, u.content, u.message_type,
                   NULLIF(u.client_message_id, '') AS client_message_id, NULLIF(u.reply_to, '\(none)') AS reply_to,
                   NULLIF(u.call, '')::jsonb AS call, u.storable, u.ord
            FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $20::bool[])
                WITH ORDINALITY AS u(id, conversation_id, sender_id, content, message_type, client_message_id, reply_to, call, storable, ord)
        ), m AS (
            SELECT cm.conversation_id, array_agg(cm.user_id) AS members,
                   COALESCE(array_agg(cm.user_id) FILTER (WHERE cm.blocks_other), '{}') AS blocking
            FROM conversation_members cm WHERE cm.conversation_id = ANY ($2::uuid[])
            GROUP BY cm.conversation_id
        ), allowed AS (
            SELECT d.* FROM d JOIN m ON m.conversation_id = d.conversation_id
            WHERE d.storable AND (d.sender_id IS NULL OR (d.sender_id = ANY (m.members) AND cardinality(m.blocking) = 0))
        ), keyed AS (
            INSERT INTO message_keys (sender_id, client_message_id, message_id)
            SELECT sender_id, client_message_id, id FROM allowed
            WHERE sender_id IS NOT NULL AND client_message_id IS NOT NULL
            ORDER BY sender_id, client_message_id, ord
            ON CONFLICT DO NOTHING
            RETURNING message_id
        ), fresh AS (
            SELECT a.* FROM allowed a WHERE a.sender_id IS NULL OR a.client_message_id IS NULL OR a.id IN (SELECT message_id FROM keyed)
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
        ), due AS (
            -- The mail sweep looks into this conversation once the first of these is due.
            INSERT INTO mail_due (conversation_id, since)
            SELECT i.conversation_id, min(i.created_at) FROM inserted i WHERE \(MessageRows.countsAsUnread("i"))
            GROUP BY i.conversation_id ORDER BY i.conversation_id
            ON CONFLICT DO NOTHING
        ), attached AS (
            INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key, width, height)
            SELECT a.id, a.conversation_id, a.message_id, a.uploader_id, a.name, a.size, a.mime_type, a.sha256, a.storage_key,
                nullif(a.width, 0), nullif(a.height, 0)
            FROM unnest($9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::int8[], $15::text[], $16::text[],
                        $17::text[], $18::int4[], $19::int4[])
                AS a(id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key, width, height)
            WHERE a.message_id IN (SELECT id FROM inserted)
        )
        SELECT id, seq, change_seq, created_at, NULL::uuid[], NULL::uuid[] FROM inserted
        UNION ALL
        SELECT conversation_id, NULL::int8, NULL::int8, NULL::timestamptz, members, blocking FROM m
        """
    /// A message inserted (id, `seq`, `changeSeq`, time), or a conversation (id, members, blockers).
    typealias Row = (UUID, Int64?, Int64?, Date?, [UUID]?, [UUID]?)

    /// Messages with their ids made, `seq` yet to be given.
    var messages: [Message]
    /// The files, each with the message it is attached to.
    var files: [(file: AttachmentDraft, message: Message)]
    /// Whether each message passed the checks that need no members (`MessageStore.refusal`).
    var storable: [Bool]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 20)
        bindings.append(self.messages.map(\.id))
        bindings.append(self.messages.map(\.conversationId))
        bindings.append(self.messages.map { $0.senderId ?? Self.none })
        bindings.append(self.messages.map(\.content))
        bindings.append(self.messages.map(\.messageType.rawValue))
        bindings.append(self.messages.map { $0.clientMessageId ?? "" })
        bindings.append(self.messages.map { $0.replyTo?.id ?? Self.none })
        bindings.append(self.messages.map { $0.call.map(MessageRows.json) ?? "" })
        bindings.append(self.files.map(\.file.id))
        bindings.append(self.files.map(\.message.conversationId))
        bindings.append(self.files.map(\.message.id))
        bindings.append(self.files.map { $0.message.senderId! })
        bindings.append(self.files.map(\.file.name))
        bindings.append(self.files.map(\.file.size))
        bindings.append(self.files.map(\.file.mimeType))
        bindings.append(self.files.map(\.file.sha256))
        bindings.append(self.files.map(\.file.storageKey))
        bindings.append(self.files.map { Int32($0.file.width ?? 0) })
        bindings.append(self.files.map { Int32($0.file.height ?? 0) })
        bindings.append(self.storable)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
