import Foundation
import Mail
import PostgresNIO
import ServiceConfiguration

/// Mail waiting to go out, in Postgres: written in the same transaction as what it tells
/// of (a reset token), so neither exists without the other; taken by `MailSender`, which
/// marks each sent, or tries it again later, or gives up on it.
struct MailOutbox: Sendable {
    let database: Database
    /// The first wait after a failure (`MAIL_RETRY_AFTER`).
    var retryAfter: Duration = .seconds(30)

    /// Attempts before a message is given up on; with the backoff below (doubling to an
    /// hour, then hourly), about a day.
    static let maxAttempts = 30
    /// How long a message taken stays with whoever took it before another sender may: a
    /// sender that died mid-way does not lose it (it may go twice, never not at all).
    static let lease: Double = 300

    struct Entry: Sendable {
        var id: UUID
        var sender: String
        var recipient: String
        var message: String
        var attempts: Int
    }

    static func enqueue(_ message: MailMessage, kind: String, on connection: PostgresConnection, logger: Logger) async throws {
        let id = UUID()
        try await connection.query(
            """
            INSERT INTO mail_outbox (id, kind, sender, recipient, message)
            VALUES (\(id), \(kind), \(message.from.address), \(message.to.address), \(message.rendered(id: id)))
            """,
            logger: logger
        )
    }

    /// Takes up to `limit` messages that are due, for `lease` seconds (one by default: a
    /// slow server must not keep a batch past its lease, when another sender would take it).
    func take(limit: Int = 1) async throws -> [Entry] {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => \(Self.lease))
                WHERE id IN (
                    SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                )
                RETURNING id, sender, recipient, message, attempts
                """,
                logger: self.database.logger
            ).decode((UUID, String, String, String, Int32).self).reduce(into: [Entry]()) {
                $0.append(Entry(id: $1.0, sender: $1.1, recipient: $1.2, message: $1.3, attempts: Int($1.4)))
            }
        }
    }

    func sent(_ id: UUID) async throws {
        _ = try await self.database.withConnection { connection in
            try await connection.query("UPDATE mail_outbox SET sent_at = now(), last_error = NULL WHERE id = \(id)", logger: self.database.logger)
        }
    }

    /// Not sent: tried again after a backoff that doubles from `retryAfter` up to an hour,
    /// or, when it cannot work or has been tried enough, given up on.
    func failed(_ entry: Entry, error: String, permanent: Bool) async throws {
        let giveUp = permanent || entry.attempts >= Self.maxAttempts
        let delay = min(self.retryAfter.seconds * pow(2, Double(entry.attempts - 1)), 3600)
        let reason = String(error.utf8.prefix(500)) ?? "failed"
        _ = try await self.database.withConnection { connection in
            try await connection.query(
                """
                UPDATE mail_outbox SET last_error = \(reason),
                    failed_at = CASE WHEN \(giveUp) THEN now() END,
                    next_attempt_at = now() + make_interval(secs => \(delay))
                WHERE id = \(entry.id)
                """,
                logger: self.database.logger
            )
        }
    }
}
