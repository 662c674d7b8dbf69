import ChatModels
import Foundation
import PostgresNIO

/// The append-only record of what admins (and operators) did. A line is written in the
/// transaction of the action it records, so neither is without the other; the table's
/// trigger refuses to change or remove one.
struct AuditLog: Sendable {
    let database: Database

    /// What an action is called in the log.
    enum Action: String, Sendable {
        case verify, unverify
        case setRole = "set_role"
        /// A reported message and the messages around it, read in the queue.
        case readReport = "read_report"
        case dismiss
        case deleteMessage = "delete_message"
        case warn, suspend, restore

        /// The line of a moderation action: each is written as it is named.
        init(_ moderation: ModerationRequest.Action) {
            self.init(rawValue: moderation.rawValue)!
        }
    }

    /// Records `action` by `actor` (nil: the command line) on `connection`, inside the
    /// action's own transaction.
    static func record(
        _ action: Action,
        by actor: UUID?,
        user: UUID? = nil,
        message: UUID? = nil,
        detail: [String: String] = [:],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let json = String(decoding: try JSONEncoder().encode(detail), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO audit_log (actor_id, action, subject_user_id, subject_message_id, detail)
            VALUES (\(actor), \(action.rawValue), \(user), \(message), \(json)::jsonb)
            """,
            logger: logger
        )
    }

    /// A page of lines, newest first, before the line `before` (the previous page's cursor).
    func page(limit: Int, before: Int64?) async throws -> AuditPage {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, at, actor_id, action, subject_user_id, subject_message_id, detail::text FROM audit_log
                WHERE \(before == nil) OR id < \(before ?? 0)
                ORDER BY id DESC LIMIT \(limit + 1)
                """,
                logger: self.database.logger
            )
            var entries: [AuditEntry] = []
            for try await row in rows.decode((Int64, Date, UUID?, String, UUID?, UUID?, String).self) {
                let detail = (try? JSONDecoder().decode([String: String].self, from: Data(row.6.utf8))) ?? [:]
                entries.append(
                    AuditEntry(id: row.0, at: row.1, actorId: row.2, action: row.3, subjectUserId: row.4, subjectMessageId: row.5, detail: detail)
                )
            }
            let more = entries.count > limit
            if more { entries.removeLast() }
            return AuditPage(entries: entries, nextCursor: more ? entries.last.map { String($0.id) } : nil)
        }
    }
}
