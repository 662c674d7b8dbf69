import CoreMetrics
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceKit
import _ConnectionPoolModule

/// A streaming replica that serves reads (history, search, the directory) once it has
/// replayed everything the primary had committed when the read began: the read first asks
/// the primary where its WAL ends (a call that touches no table), then the replica to wait
/// until it has replayed that far, for `wait` at most (`chat_replayed`, a replica streams
/// within milliseconds). So a read never misses a write that finished before it started,
/// the sender's own message included; a replica that lags further, is down or does not
/// answer in time leaves the read to the primary, and one that failed is left alone for `rest`.
struct ReadReplica: Sendable {
    let client: PostgresClient
    /// How long a read may take on the replica before the primary is asked instead.
    let timeout: Duration
    let wait: Duration
    let rest: Duration
    let logger: Logger
    private let resting = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    private let served: Counter
    private let declined: Counter

    init(
        client: PostgresClient,
        timeout: Duration,
        wait: Duration = .milliseconds(50),
        rest: Duration = .seconds(5),
        metrics: ServiceMetrics,
        logger: Logger
    ) {
        self.client = client
        self.timeout = timeout
        self.wait = wait
        self.rest = rest
        self.logger = logger
        self.served = metrics.counter("db_reads_total", [("database", "replica")])
        self.declined = metrics.counter("db_reads_total", [("database", "primary")])
    }

    /// Whether the replica rests (after a failure or a lag), counting the read as the
    /// primary's: the primary serves it without being asked for its WAL position first.
    func declineIfResting() -> Bool {
        if let until = self.resting.withLockedValue({ $0 }), ContinuousClock.now < until {
            self.declined.increment()
            return true
        }
        return false
    }

    /// The read's result from the replica, or nil: the primary must serve it.
    func read<T: Sendable>(after position: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T? {
        let milliseconds = Int(self.wait / .milliseconds(1))
        do {
            let result = try await withTimeout(self.timeout) {
                try await self.client.withConnection { connection -> T? in
                    let caughtUp: Bool
                    do {
                        caughtUp = try await self.hasReplayed(position, waiting: milliseconds, on: connection)
                    } catch {
                        // Whatever keeps the replica from saying (a schema behind the
                        // primary's included) is the replica's fault, not the read's.
                        throw ReplicaFault(underlying: error)
                    }
                    guard caughtUp else { return nil }
                    return try await body(connection)
                }
            }
            if result == nil {
                // Further behind than `wait`: the next reads would wait as long for nothing.
                self.resting.withLockedValue { $0 = ContinuousClock.now + .seconds(1) }
                self.declined.increment()
            } else {
                self.served.increment()
            }
            return result
        } catch  where error is ReplicaFault || Self.isReplicaFault(error) {
            self.logger.warning("read replica unavailable, reading from the primary", metadata: ["error": "\(error)"])
            self.resting.withLockedValue { $0 = ContinuousClock.now + self.rest }
            self.declined.increment()
            return nil
        }
    }

    private func hasReplayed(_ position: String, waiting milliseconds: Int, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT chat_replayed(\(position)::pg_lsn, \(milliseconds)::integer)", logger: self.logger)
        var caughtUp = false
        for try await (value) in rows.decode(Bool.self) { caughtUp = value }
        return caughtUp
    }

    private struct ReplicaFault: Error {
        let underlying: any Error
    }

    /// The replica failed, not the read: unreachable, too slow, shutting down, or a query
    /// cancelled by a conflict with recovery (40001), all of which the primary does not share.
    private static func isReplicaFault(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolError, is TimeoutError: return true
        case let error as PSQLError:
            guard error.code == .server else { return true }
            let state = error.serverInfo?[.sqlState] ?? ""
            return state == "40001" || ["08", "53", "57", "58"].contains(String(state.prefix(2)))
        default: return false
        }
    }
}
