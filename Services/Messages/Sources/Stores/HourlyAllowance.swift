import ChatModels
import Foundation
import PostgresNIO

/// How many rows of a kind one user may make in an hour (conversations they start, reports
/// they file), counted in the transaction that just inserted one: over the bound, a 429
/// saying when the oldest leaves the hour, and the transaction (the new row with it) rolls
/// back.
enum HourlyAllowance {
    /// What is counted: a table, and its column naming who made a row.
    enum Made {
        case conversations, reports

        var table: String {
            switch self {
            case .conversations: "conversations"
            case .reports: "reports"
            }
        }

        var maker: String {
            switch self {
            case .conversations: "created_by"
            case .reports: "reporter_id"
            }
        }
    }

    /// Throws `refusal`'s message as a 429 when `user` made more than `perHour` rows of
    /// `made` in the last hour, this one included.
    static func check(
        _ made: Made,
        by user: UUID,
        perHour: Int,
        refusal: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let rows = try await connection.query(
            """
            SELECT count(*), COALESCE(EXTRACT(EPOCH FROM min(created_at) + interval '1 hour' - now()), 0)::float8
            FROM \(unescaped: made.table) WHERE \(unescaped: made.maker) = \(user) AND created_at > now() - interval '1 hour'
            """,
            logger: logger
        )
        for try await (count, secondsLeft) in rows.decode((Int, Double).self) where count > perHour {
            throw APIError.rateLimited(refusal, retryAfter: max(1, Int(secondsLeft.rounded(.up))))
        }
    }
}
