import Foundation
import Logging
import PostgresNIO
import ServiceConfiguration
import ServiceLifecycle

/// Keeps `messages`' monthly partitions made ahead of the months they hold, and forgets send
/// keys older than the resend window: at start (once migrated), then hourly on every
/// instance (the partitions' function lets one in at a time; deleting keys twice is
/// harmless).
struct MessageUpkeep: Service {
    let database: Database
    /// How long a send's key is kept (`RESEND_WINDOW`).
    let resendWindow: Duration
    let logger: Logger

    /// Partitions made beyond this month's: a failing upkeep has two months to be noticed.
    static let monthsAhead = 2
    static let every: Duration = .seconds(3600)
    /// Keys one statement deletes, so that no statement holds many locks or runs long.
    static let batch = 10_000

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var next = Self.every
            do {
                try await self.tidy()
            } catch {
                // A lock held too long, or the database away: an hour is weeks before a
                // month is due; a minute is soon enough for a database coming back.
                self.logger.warning("message upkeep failed", metadata: ["error": "\(String(reflecting: error))"])
                next = Database.lockTimedOut(error) ? Self.every : .seconds(60)
            }
            try? await cancelWhenGracefulShutdown { [next] in try await Task.sleep(for: next) }
        }
    }

    /// One pass: the partitions it made (none while another instance makes them) and the
    /// keys it deleted.
    @discardableResult
    func tidy() async throws -> (partitions: Int, keys: Int) {
        let logger = self.logger
        // Straight from the pool: a lock timeout is this job's to tell apart, not a client's.
        let made = try await self.database.client.withConnection { connection in
            try await connection.query("SELECT chat_message_partitions(\(Int32(Self.monthsAhead)))", logger: logger).decode(Int32.self)
                .reduce(0) { $0 + Int($1) }
        }
        if made > 0 { logger.info("made message partitions", metadata: ["count": "\(made)"]) }
        let cutoff = Date(timeIntervalSinceNow: -self.resendWindow.seconds)
        var forgotten = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let deleted = try await self.database.withConnection { connection in
                try await connection.query(
                    """
                    WITH gone AS (
                        DELETE FROM message_keys WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM message_keys WHERE created_at < \(cutoff) ORDER BY created_at LIMIT \(Self.batch)
                        ))
                        RETURNING 1
                    )
                    SELECT count(*) FROM gone
                    """,
                    logger: logger
                ).decode(Int.self).reduce(0, +)
            }
            forgotten += deleted
            if deleted < Self.batch { break }
        }
        return (max(0, made), forgotten)
    }
}
