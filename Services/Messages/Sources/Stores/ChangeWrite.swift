import ChatModels
import Foundation
import PostgresNIO
import ServiceConfiguration

/// The writes of one change to a message, inside `MessageStore.apply`'s transaction (the
/// message row is locked): one function per kind of change, each updating the message it
/// is given to what it wrote.
struct ChangeWrite {
    let connection: PostgresConnection
    let logger: Logger
    let conversationID: UUID
    /// Who asks for the change.
    let userID: UUID
    /// An admin acting on a report: the message need not be theirs.
    var moderator = false

    /// The sender's new text, within the edit window. Returns whether members' lists
    /// change (the newest message was edited).
    func edit(_ message: inout Message, to content: String, window: Duration?) async throws -> Bool {
        try self.checkAuthor(message, verb: "edit")
        guard message.deletedAt == nil else { throw APIError(.messageDeleted, "A deleted message cannot be edited") }
        if let window, Date().timeIntervalSince(message.createdAt) > window.seconds {
            throw APIError(.editWindowPassed, "Messages can be edited for \(window.minutesText) after sending")
        }
        guard content != message.content else { return false }
        let (changeSeq, lastSeq) = try await self.nextChangeSeq()
        let rows = try await self.connection.query(
            """
            UPDATE messages SET content = \(content), version = version + 1, edited_at = now(), change_seq = \(changeSeq)
            WHERE id = \(message.id) RETURNING version, edited_at
            """,
            logger: self.logger
        )
        for try await (version, editedAt) in rows.decode((Int64, Date).self) {
            (message.content, message.version, message.editedAt, message.changeSeq) = (content, version, editedAt, changeSeq)
        }
        return message.seq == lastSeq
    }

    /// Leaves a tombstone: content, attachments and reactions go, `seq` stays taken. Returns
    /// whether members' lists change (always, once: unread counts and the preview).
    func delete(_ message: inout Message) async throws -> Bool {
        try self.checkAuthor(message, verb: "delete")
        guard message.deletedAt == nil else { return false }
        let (changeSeq, _) = try await self.nextChangeSeq()
        // The file goes with its row: the uploads sweep removes what no row refers to.
        try await self.connection.query("DELETE FROM attachments WHERE message_id = \(message.id)", logger: self.logger)
        try await self.connection.query("DELETE FROM reactions WHERE message_id = \(message.id)", logger: self.logger)
        let rows = try await self.connection.query(
            "UPDATE messages SET content = '', deleted_at = now(), change_seq = \(changeSeq) WHERE id = \(message.id) RETURNING deleted_at",
            logger: self.logger
        )
        for try await deletedAt in rows.decode(Date.self) {
            (message.content, message.deletedAt, message.changeSeq, message.attachments) = ("", deletedAt, changeSeq, [])
        }
        return true
    }

    /// The user's reaction, unless the message carries `maxReactions` other emoji already.
    func react(_ message: inout Message, with emoji: String, maxReactions: Int) async throws {
        guard message.deletedAt == nil else { throw APIError(.messageDeleted, "A deleted message cannot be reacted to") }
        let rows = try await self.connection.query(
            "SELECT count(DISTINCT emoji), COALESCE(bool_or(emoji = \(emoji)), false) FROM reactions WHERE message_id = \(message.id)",
            logger: self.logger
        )
        for try await (distinct, present) in rows.decode((Int64, Bool).self) where !present && distinct >= maxReactions {
            throw APIError(.tooManyReactions, "A message carries at most \(maxReactions) different emoji")
        }
        let added = try await Self.changedRows(
            self.connection.query(
                """
                INSERT INTO reactions (message_id, emoji, user_id) VALUES (\(message.id), \(emoji), \(self.userID))
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: self.logger
            )
        )
        if added { message.changeSeq = try await self.stampChange(message.id) }
    }

    /// The user's reaction taken back.
    func unreact(_ message: inout Message, _ emoji: String) async throws {
        let removed = try await Self.changedRows(
            self.connection.query(
                "DELETE FROM reactions WHERE message_id = \(message.id) AND emoji = \(emoji) AND user_id = \(self.userID) RETURNING 1",
                logger: self.logger
            )
        )
        if removed { message.changeSeq = try await self.stampChange(message.id) }
    }

    private func checkAuthor(_ message: Message, verb: String) throws(APIError) {
        guard message.messageType != .system, message.messageType != .call else {
            throw APIError(.systemMessage, "SYSTEM and CALL messages cannot be changed")
        }
        guard message.senderId == self.userID || self.moderator else { throw APIError(.notYourMessage, "Only its sender can \(verb) a message") }
    }

    /// Takes the conversation's next change sequence number; also says its newest message's `seq`.
    private func nextChangeSeq() async throws -> (changeSeq: Int64, lastSeq: Int64) {
        let rows = try await self.connection.query(
            """
            UPDATE conversations SET last_change_seq = last_change_seq + 1 WHERE id = \(self.conversationID)
            RETURNING last_change_seq, last_seq
            """,
            logger: self.logger
        )
        for try await numbers in rows.decode((Int64, Int64).self) { return numbers }
        throw APIError.notFound("Conversation not found")
    }

    /// Stamps the message with the conversation's next change sequence number.
    private func stampChange(_ messageID: UUID) async throws -> Int64 {
        let (changeSeq, _) = try await self.nextChangeSeq()
        try await self.connection.query("UPDATE messages SET change_seq = \(changeSeq) WHERE id = \(messageID)", logger: self.logger)
        return changeSeq
    }

    private static func changedRows(_ rows: PostgresRowSequence) async throws -> Bool {
        try await rows.decode(Int.self).reduce(0) { count, _ in count + 1 } > 0
    }
}
