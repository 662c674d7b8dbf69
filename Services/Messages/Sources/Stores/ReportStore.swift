import ChatModels
import Foundation
import JSONKit
import PostgresNIO

/// Reports of messages and people, and the moderation queue made of them.
struct ReportStore: Sendable {
    let database: Database

    /// Reports one user may file in an hour: enough for someone flooded, too few to flood
    /// the queue.
    static let perHour = 20
    /// Messages shown before and after a reported one.
    static let contextSize = 5

    /// Files a report by `reporter` of `subject` (of their `messageID` in `conversationID`,
    /// which the reporter must be a member of), past the reporter's allowance a 429.
    func file(
        by reporter: UUID,
        subject: UUID,
        conversationID: UUID?,
        messageID: UUID?,
        reason: ReportReason,
        text: String?
    ) async throws -> ReportReceipt {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let id = UUID()
            let rows = try await connection.query(
                """
                INSERT INTO reports (id, reporter_id, subject_id, conversation_id, message_id, reason, text)
                VALUES (\(id), \(reporter), \(subject), \(conversationID), \(messageID), \(reason.rawValue), \(text))
                RETURNING created_at
                """,
                logger: logger
            )
            guard let createdAt = try await rows.decode(Date.self).first(where: { _ in true }) else { throw APIError.internal }
            try await HourlyAllowance.check(
                .reports,
                by: reporter,
                perHour: Self.perHour,
                refusal: "You reported \(Self.perHour) times in the last hour; try again later",
                on: connection,
                logger: logger
            )
            return ReportReceipt(id: id, state: .open, createdAt: createdAt)
        }
    }

    /// The sender of `messageID` in `conversationID`, when `reporter` is a member there and
    /// the message is someone else's; otherwise the refusal.
    func sender(of messageID: UUID, in conversationID: UUID, reportedBy reporter: UUID) async throws -> UUID {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT m.sender_id, EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = \(conversationID) AND user_id = \(reporter))
                FROM messages m WHERE m.id = \(messageID) AND m.conversation_id = \(conversationID)
                """,
                logger: self.database.logger
            )
            for try await (sender, member) in rows.decode((UUID?, Bool).self) {
                guard member else { throw APIError.notFound("Message not found") }  // nothing told to outsiders
                guard let sender else { throw APIError.validation("SYSTEM messages cannot be reported") }
                guard sender != reporter else { throw APIError.validation("You cannot report your own message") }
                return sender
            }
            throw APIError.notFound("Message not found")
        }
    }

    /// A page of reports in `state`, the longest waiting first, each with its message and
    /// the messages around it; each context read is written to the audit log by `admin`.
    func page(state: ReportState, limit: Int, after cursor: TimeCursor?, admin: UUID) async throws -> ReportPage {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                SELECT r.id, r.reporter_id, r.subject_id, r.conversation_id, r.message_id, r.reason, r.text, r.state, r.action,
                       r.created_at, r.resolved_at, r.resolved_by, (EXTRACT(EPOCH FROM r.created_at) * 1000000)::int8
                FROM reports r
                WHERE r.state = \(state.rawValue)
                  AND (\(cursor == nil) OR ((EXTRACT(EPOCH FROM r.created_at) * 1000000)::int8, r.id) > (\(cursor?.micros ?? 0), \(cursor?.id ?? UUID())))
                ORDER BY r.created_at, r.id LIMIT \(limit + 1)
                """,
                logger: logger
            )
            typealias Row = (UUID, UUID, UUID, UUID?, UUID?, String, String?, String, String?, Date, Date?, UUID?, Int64)
            var found: [Row] = []
            for try await row in rows.decode(Row.self) { found.append(row) }
            let more = found.count > limit
            if more { found.removeLast() }
            let people = Dictionary(
                try await connection.query(
                    "SELECT \(unescaped: UserStore.columns) FROM users u WHERE u.id = ANY(\(found.flatMap { [$0.1, $0.2] }))",
                    logger: logger
                ).decode(UserStore.Row.self).reduce(into: []) { $0.append(UserStore.user($1).seen(by: admin)) }.map { ($0.id, $0) },
                uniquingKeysWith: { first, _ in first }
            )
            var reports: [Report] = []
            for row in found {
                var message: Message?
                var context: [Message] = []
                if let conversationID = row.3, let messageID = row.4 {
                    (message, context) = try await Self.context(of: messageID, in: conversationID, on: connection, logger: logger)
                    // The admin is not a member of the conversation: every such read is on record.
                    try await AuditLog.record(
                        .readReport,
                        by: admin,
                        user: row.2,
                        message: messageID,
                        detail: ["report": row.0.text(), "conversation": conversationID.text()],
                        on: connection,
                        logger: logger
                    )
                }
                guard let reporter = people[row.1], let subject = people[row.2] else { continue }
                reports.append(
                    Report(
                        id: row.0,
                        reporter: reporter,
                        subject: subject,
                        reason: ReportReason(rawValue: row.5) ?? .other,
                        text: row.6,
                        state: ReportState(rawValue: row.7) ?? .open,
                        createdAt: row.9,
                        conversationId: row.3,
                        message: message,
                        context: context,
                        action: row.8,
                        resolvedAt: row.10,
                        resolvedBy: row.11
                    )
                )
            }
            let next = more ? found.last.map { TimeCursor(micros: $0.12, id: $0.0).text } : nil
            return ReportPage(reports: reports, nextCursor: next)
        }
    }

    /// The reported message and up to `contextSize` messages either side of it, oldest first.
    private static func context(
        of messageID: UUID,
        in conversationID: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (
        Message?, [Message]
    ) {
        let rows = try await connection.query(
            """
            WITH target AS (SELECT seq FROM messages WHERE id = \(messageID) AND conversation_id = \(conversationID))
            SELECT \(unescaped: MessageRows.columns) FROM messages m, target
            WHERE m.conversation_id = \(conversationID) AND m.seq BETWEEN target.seq - \(Self.contextSize) AND target.seq + \(Self.contextSize)
            ORDER BY m.seq
            """,
            logger: logger
        )
        let messages = try await MessageRows.withDetails(try await MessageRows.messages(rows), for: nil, on: connection, logger: logger)
        return (messages.first { $0.id == messageID }, messages.filter { $0.id != messageID })
    }

    /// Marks the report resolved by `admin` with `action`; the report as it was filed
    /// (subject, message, conversation), or nil if there is none or it was resolved already.
    static func resolve(
        _ id: UUID,
        as state: ReportState,
        action: String,
        by admin: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (subject: UUID, conversationID: UUID?, messageID: UUID?)? {
        let rows = try await connection.query(
            """
            UPDATE reports SET state = \(state.rawValue), action = \(action), resolved_at = now(), resolved_by = \(admin)
            WHERE id = \(id) AND state = 'open'
            RETURNING subject_id, conversation_id, message_id
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, UUID?, UUID?).self) { return (row.0, row.1, row.2) }
        return nil
    }
}
