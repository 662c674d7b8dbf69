import EventBus
import Foundation
import Logging
import Mail
import PostgresNIO
import Redis
import ServiceConfiguration
import ServiceLifecycle

/// Mails people who are away about what they have not read: messages unread for
/// `notifyAfter` while the reader has no socket open anywhere, one mail a conversation an
/// hour at most and never about the same messages twice. `digest` users get one mail
/// listing their conversations, `each` users one per conversation, `never` users none.
/// Every instance sweeps the conversations sends wrote into `mail_due` (not every
/// membership), and forgets those where nobody is owed a mail any more; a conversation is
/// claimed (its notice row written) in the same transaction as the mail is queued, so two
/// instances never mail it twice. Like unread counts, only the newest `unreadWindow`
/// messages of a conversation are looked at.
struct MissedMessageMailer: Service {
    let database: Database
    let redis: RedisClient
    let templates: MailTemplates
    let unsubscribe: UnsubscribeToken
    let bell: MailBell
    let settings: MailSettings
    let logger: Logger

    /// What one reader has unread in one conversation.
    struct Unread: Sendable {
        var userID: UUID
        var name: String
        var email: String
        var mode: String
        var conversationID: UUID
        /// Lines after this one are news to the reader.
        var after: Int64
        var newest: Int64
    }

    /// A conversation as a mail tells of it.
    struct Summary: Sendable {
        var conversationID: UUID
        var title: String
        var lines: [(sender: String, text: String)]
        var count: Int
    }

    func run() async throws {
        var cursor: UUID?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                cursor = try await self.sweep(after: cursor)
                // Every conversation looked into each time, a page at a time: about 5 ms of
                // Postgres a page of 500 (BENCHMARKS "The mail sweep (#32)").
                var forgetting: UUID?
                repeat {
                    forgetting = try await self.forget(after: forgetting)
                } while forgetting != nil && !Task.isShuttingDownGracefully
            } catch {
                self.logger.warning("missed-message sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [every = self.settings.notifyEvery] in try await Task.sleep(for: every) }
        }
    }

    /// One page of readers with something due, from after `cursor` in user order (readers who
    /// are online are passed by, and must not hold back those after them); returns where the
    /// next sweep goes on from, nil to start again from the first.
    @discardableResult
    func sweep(after cursor: UUID? = nil) async throws -> UUID? {
        let due = try await self.due(after: cursor)
        let next = due.count == Self.page ? due.last?.userID : nil
        guard !due.isEmpty else { return next }
        let readers = Array(Set(due.map(\.userID)))
        // Someone with a socket open is looking (or will be told on the page): no mail.
        let sockets = try await self.redis.pipeline(readers.map { RedisCommand("SCARD", .string(PresenceStream.connectionsKey($0))) })
        let away = Set(zip(readers, sockets).filter { ($0.1.int ?? 0) == 0 }.map(\.0))
        var queued = false
        for (_, unread) in Dictionary(grouping: due.filter { away.contains($0.userID) }, by: \.userID) {
            queued = try await self.notify(unread) || queued
        }
        if queued { self.bell.ring() }
        return next
    }

    /// Rows a sweep reads at most.
    static let page = 500
    /// Before every user id.
    static let first = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Whether member `cm` of conversation `c` (user `u`, notice row `n`) is owed a mail: they
    /// want mail, and the newest `unreadWindow` messages there hold one of others' that they
    /// have neither read nor been mailed about (`narrowedBy` a further condition on it, `m`).
    /// What the sweep mails and what `forget` keeps are the same members.
    private func owed(narrowedBy condition: String = "TRUE") -> String {
        """
        u.email_notifications <> 'never'
        AND (u.suspended_until IS NULL OR u.suspended_until < now())
        AND (NOT \(self.settings.verificationRequired) OR u.email_verified_at IS NOT NULL)
        AND EXISTS (
            SELECT 1 FROM messages m WHERE m.conversation_id = cm.conversation_id
              AND m.seq > GREATEST(cm.last_read_seq, COALESCE(n.notified_seq, 0), c.last_seq - \(ConversationStore.unreadWindow))
              AND m.sender_id IS DISTINCT FROM cm.user_id AND m.deleted_at IS NULL AND \(MessageRows.countsAsUnread("m"))
              AND \(condition))
        """
    }

    private func due(after cursor: UUID?) async throws -> [Unread] {
        let after = self.settings.notifyAfter.seconds
        let unread = MessageRows.countsAsUnread("m")
        let window = Int64(ConversationStore.unreadWindow)
        let owed = self.owed(narrowedBy: "m.created_at < now() - make_interval(secs => \(after))")
        return try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT cm.user_id, u.name, u.email, u.email_notifications, cm.conversation_id,
                       GREATEST(cm.last_read_seq, COALESCE(n.notified_seq, 0)),
                       (SELECT max(m.seq) FROM messages m WHERE m.conversation_id = cm.conversation_id
                            AND m.seq > GREATEST(cm.last_read_seq, c.last_seq - \(window))
                            AND m.sender_id IS DISTINCT FROM cm.user_id AND m.deleted_at IS NULL AND \(unescaped: unread))
                FROM mail_due d
                JOIN conversation_members cm ON cm.conversation_id = d.conversation_id
                JOIN conversations c ON c.id = cm.conversation_id
                JOIN users u ON u.id = cm.user_id
                LEFT JOIN email_notices n ON n.user_id = cm.user_id AND n.conversation_id = cm.conversation_id
                WHERE d.since < now() - make_interval(secs => \(after))
                  AND c.last_seq > cm.last_read_seq AND cm.user_id > \(cursor ?? Self.first)
                  AND (n.sent_at IS NULL OR n.sent_at < now() - interval '1 hour')
                  AND \(unescaped: owed)
                ORDER BY cm.user_id
                LIMIT \(Self.page)
                """,
                logger: self.database.logger
            ).decode((UUID, String, String, String, UUID, Int64, Int64?).self).reduce(into: [Unread]()) { list, row in
                guard let newest = row.6 else { return }
                list.append(Unread(userID: row.0, name: row.1, email: row.2, mode: row.3, conversationID: row.4, after: row.5, newest: newest))
            }
        }
    }

    /// Forgets, of up to `page` conversations in `mail_due` after `cursor`, those where nobody
    /// is owed a mail any more: every member has read, been mailed about or wants no mail of
    /// what is there. Returns where the next call goes on from.
    ///
    /// Their rows are locked first, in id order as sends lock them, in a statement of its
    /// own: a send storing a message there meanwhile has committed (and is seen by the
    /// delete's fresh snapshot) or waits, and writes its row again after the delete.
    @discardableResult
    func forget(after cursor: UUID? = nil) async throws -> UUID? {
        let after = self.settings.notifyAfter.seconds
        let owed = self.owed()
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            let looked = try await connection.query(
                """
                SELECT c.id FROM mail_due d JOIN conversations c ON c.id = d.conversation_id
                WHERE d.conversation_id > \(cursor ?? Self.first) AND d.since < now() - make_interval(secs => \(after))
                ORDER BY c.id LIMIT \(Self.page)
                FOR SHARE OF c
                """,
                logger: logger
            ).decode(UUID.self).reduce(into: [UUID]()) { $0.append($1) }
            guard !looked.isEmpty else { return nil }
            try await connection.query(
                """
                DELETE FROM mail_due d WHERE d.conversation_id = ANY(\(looked)) AND NOT EXISTS (
                    SELECT 1 FROM conversation_members cm
                    JOIN conversations c ON c.id = cm.conversation_id
                    JOIN users u ON u.id = cm.user_id
                    LEFT JOIN email_notices n ON n.user_id = cm.user_id AND n.conversation_id = cm.conversation_id
                    WHERE cm.conversation_id = d.conversation_id AND \(unescaped: owed))
                """,
                logger: logger
            )
            return looked.count == Self.page ? looked.last : nil
        }
    }

    /// Claims the reader's conversations and queues their mail, in one transaction.
    private func notify(_ unread: [Unread]) async throws -> Bool {
        guard let reader = unread.first else { return false }
        let to = MailAddress(reader.email, name: reader.name)
        let unsubscribe = self.unsubscribe.token(for: reader.userID)
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            var summaries: [Summary] = []
            for item in unread {
                // Claimed unless another instance mailed it meanwhile.
                let claimed = try await connection.query(
                    """
                    INSERT INTO email_notices AS n (user_id, conversation_id, notified_seq, sent_at)
                    VALUES (\(item.userID), \(item.conversationID), \(item.newest), now())
                    ON CONFLICT (user_id, conversation_id) DO UPDATE SET notified_seq = EXCLUDED.notified_seq, sent_at = now()
                    WHERE n.sent_at < now() - interval '1 hour' AND n.notified_seq < EXCLUDED.notified_seq
                    RETURNING conversation_id
                    """,
                    logger: logger
                ).decode(UUID.self).first { _ in true }
                guard claimed != nil else { continue }
                summaries.append(try await Self.summary(of: item, on: connection, logger: logger))
            }
            guard !summaries.isEmpty else { return false }
            let mails =
                reader.mode == "each"
                ? summaries.map { self.templates.missedMessages(to: to, conversations: [$0], unsubscribe: unsubscribe) }
                : [self.templates.missedMessages(to: to, conversations: summaries, unsubscribe: unsubscribe)]
            for mail in mails { try await MailOutbox.enqueue(mail, kind: "missed_messages", on: connection, logger: logger) }
            return true
        }
    }

    /// The conversation's name as the reader knows it, and its newest unread lines.
    private static func summary(of item: Unread, on connection: PostgresConnection, logger: Logger) async throws -> Summary {
        let title =
            try await connection.query(
                """
                SELECT CASE WHEN c.kind = 'group' THEN COALESCE(c.title, 'A group') ELSE COALESCE((
                    SELECT u.name FROM conversation_members o JOIN users u ON u.id = o.user_id
                    WHERE o.conversation_id = c.id AND o.user_id <> \(item.userID) LIMIT 1), 'A conversation') END
                FROM conversations c WHERE c.id = \(item.conversationID)
                """,
                logger: logger
            ).decode(String.self).first { _ in true } ?? "A conversation"
        let unread = MessageRows.countsAsUnread("m")
        let rows = try await connection.query(
            """
            SELECT COALESCE(u.name, ''), m.message_type, m.content, count(*) OVER ()
            FROM messages m LEFT JOIN users u ON u.id = m.sender_id
            WHERE m.conversation_id = \(item.conversationID) AND m.seq > \(item.after) AND m.seq <= \(item.newest)
              AND m.sender_id IS DISTINCT FROM \(item.userID) AND m.deleted_at IS NULL AND \(unescaped: unread)
            ORDER BY m.seq DESC LIMIT 3
            """,
            logger: logger
        )
        var lines: [(String, String)] = []
        var count = 0
        for try await (sender, type, content, total) in rows.decode((String, String, String, Int64).self) {
            count = Int(total)
            lines.append((sender, Self.line(type: type, content: content)))
        }
        return Summary(conversationID: item.conversationID, title: title, lines: lines.reversed(), count: count)
    }

    /// A message as one line of a mail: its words, cut at 200 characters, or what it was.
    static func line(type: String, content: String) -> String {
        let words = content.split(whereSeparator: \.isNewline).joined(separator: " ")
        let cut = words.count > 200 ? words.prefix(199) + "…" : Substring(words)
        switch type {
        case "IMAGE": return cut.isEmpty ? "sent a picture" : "sent a picture: \(cut)"
        case "FILE": return cut.isEmpty ? "sent a file" : "sent a file: \(cut)"
        case "CALL": return "called (missed)"
        default: return String(cut)
        }
    }
}
