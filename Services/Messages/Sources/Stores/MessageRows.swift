import ChatModels
import EventBus
import Foundation
import JSONKit
import NIOCore
import PostgresNIO
import ServiceClients
import ServiceKit

/// How messages and their attachments are read from rows, shared by the stores.
enum MessageRows {
    static let columns = """
        m.id, m.conversation_id, m.seq, m.sender_id, m.content, m.message_type, m.client_message_id, m.created_at,
        m.change_seq, m.version, m.edited_at, m.deleted_at, m.reply_to, m.call::text
        """
    typealias Row = (UUID, UUID, Int64, UUID?, String, String, String?, Date, Int64, Int64, Date?, Date?, UUID?, String?)

    /// Whether a message row (`alias`) counts as unread for the members who did not send it:
    /// words and files, and missed calls; not SYSTEM lines, nor calls that were answered or
    /// declined (the callee was there).
    static func countsAsUnread(_ alias: String) -> String {
        "(\(alias).message_type <> 'SYSTEM' AND (\(alias).message_type <> 'CALL' OR \(alias).call->>'outcome' = 'missed'))"
    }

    /// A CALL message's record as it is stored (jsonb).
    static func json(_ record: CallRecord) -> String {
        String(buffer: JSONObjectWriter.object(capacity: 128) { $0.callRecord(record) })
    }

    /// A CALL message's record as stored (`call`, jsonb read as text); nil for the others.
    static func callRecord(_ json: String?) -> CallRecord? {
        json.flatMap { try? JSONObjectReader(ByteBuffer(string: $0)).callRecord() }
    }

    static func message(_ row: Row) -> Message {
        Message(
            id: row.0,
            conversationId: row.1,
            seq: row.2,
            senderId: row.3,
            content: row.4,
            messageType: MessageType(rawValue: row.5) ?? .text,
            clientMessageId: row.6,
            createdAt: row.7,
            changeSeq: row.8,
            version: row.9,
            editedAt: row.10,
            deletedAt: row.11,
            replyTo: row.12.map(ReplyPreview.unread),  // read by `withAttachments`
            call: Self.callRecord(row.13)
        )
    }

    static func messages(_ rows: PostgresRowSequence) async throws -> [Message] {
        try await rows.decode(Row.self).reduce(into: []) { $0.append(Self.message($1)) }
    }

    /// Fills in the attachments of `messages` and their reactions as `reader` sees them
    /// (`me`), with a query each.
    static func withDetails(_ messages: [Message], for reader: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        let withFiles = try await Self.withAttachments(messages, on: connection, logger: logger)
        guard !messages.isEmpty else { return withFiles }
        var byMessage: [UUID: [ReactionSummary]] = [:]
        let rows = try await connection.query(
            """
            SELECT r.message_id, r.emoji, count(*), COALESCE(bool_or(r.user_id = \(reader)), false) FROM reactions r
            WHERE r.message_id = ANY(\(messages.map(\.id))) GROUP BY r.message_id, r.emoji ORDER BY min(r.created_at), r.emoji
            """,
            logger: logger
        )
        for try await (messageID, emoji, count, me) in rows.decode((UUID, String, Int64, Bool).self) {
            byMessage[messageID, default: []].append(ReactionSummary(emoji: emoji, count: Int(count), me: me))
        }
        guard !byMessage.isEmpty else { return withFiles }
        return withFiles.map { message in
            var message = message
            message.reactions = byMessage[message.id] ?? []
            return message
        }
    }

    /// Fills in the attachments of `messages`, and what their replies answer, with a query
    /// each when there are any.
    static func withAttachments(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        let withReplies = try await Self.withReplies(messages, on: connection, logger: logger)
        let ids = messages.filter { $0.messageType == .image || $0.messageType == .file }.map(\.id)
        guard !ids.isEmpty else { return withReplies }
        var byMessage: [UUID: [Attachment]] = [:]
        let rows = try await connection.query(
            """
            SELECT a.message_id, a.id, a.name, a.size, a.mime_type, a.sha256, a.width, a.height FROM attachments a
            WHERE a.message_id = ANY(\(ids)) ORDER BY a.created_at, a.id
            """,
            logger: logger
        )
        let columns = (UUID, UUID, String, Int64, String, String, Int32?, Int32?).self
        for try await (messageID, id, name, size, mimeType, sha256, width, height) in rows.decode(columns) {
            byMessage[messageID, default: []].append(
                Attachment(
                    id: id,
                    name: name,
                    size: size,
                    mimeType: mimeType,
                    sha256: sha256,
                    url: Attachment.downloadPath(id),
                    width: width.map(Int.init),
                    height: height.map(Int.init)
                )
            )
        }
        return withReplies.map { message in
            var message = message
            message.attachments = byMessage[message.id] ?? []
            return message
        }
    }

    /// Each reply's preview of its original, as the original is now.
    private static func withReplies(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        let originals = try await Self.replyPreviews(of: messages.compactMap(\.replyTo?.id), on: connection, logger: logger)
        guard !originals.isEmpty else { return messages }
        return messages.map { message in
            guard let id = message.replyTo?.id, let original = originals[id] else { return message }
            var message = message
            message.replyTo = original.preview
            return message
        }
    }

    /// The messages `ids` name, as replies show them; no query when there are none.
    static func replyPreviews(of ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: ReplyOriginal] {
        guard !ids.isEmpty else { return [:] }
        var originals: [UUID: ReplyOriginal] = [:]
        let rows = try await connection.query(
            """
            SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.message_type, left(m.content, \(ReplyPreview.maxSnippet)::int),
                   m.deleted_at IS NOT NULL
            FROM messages m WHERE m.id = ANY(\(Array(Set(ids))))
            """,
            logger: logger
        )
        let columns = (UUID, UUID, Int64, UUID?, String, String, Bool).self
        for try await (id, conversationID, seq, senderID, type, snippet, deleted) in rows.decode(columns) {
            let preview = ReplyPreview(
                id: id,
                seq: seq,
                senderId: senderID,
                messageType: MessageType(rawValue: type) ?? .text,
                snippet: snippet,
                deleted: deleted
            )
            originals[id] = ReplyOriginal(conversationID: conversationID, preview: preview)
        }
        return originals
    }
}

/// A message replied to: where it is (a reply must be in the same conversation) and how
/// its replies show it.
struct ReplyOriginal: Sendable {
    var conversationID: UUID
    var preview: ReplyPreview
}

extension Attachment {
    /// Where members download an attachment, through the gateway.
    static func downloadPath(_ id: UUID) -> String {
        UploadsAPI.download.path(id)
    }
}

extension AttachmentDraft {
    /// How the stored file appears in its message.
    var attachment: Attachment {
        Attachment(
            id: self.id,
            name: self.name,
            size: self.size,
            mimeType: self.mimeType,
            sha256: self.sha256,
            url: Attachment.downloadPath(self.id),
            width: self.width,
            height: self.height
        )
    }
}
