import ChatModels
import Logging
import PostgresNIO
import ServiceKit
import _ConnectionPoolModule

/// The Postgres pool with the service's error policy: every database fault reaches
/// callers as an `APIError`, and no request waits longer than `queryTimeout` for it.
struct Database: Sendable {
    let client: PostgresClient
    let queryTimeout: Duration
    let logger: Logger
    /// Where reads may go instead (`DATABASE_READ_URL`).
    var replica: ReadReplica? = nil

    /// Runs `body` with a connection.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await self.guarded { try await self.client.withConnection(body) }
    }

    /// Runs a read with a connection of the replica when it has every write that finished
    /// before the read began (`ReadReplica`), else with one of the primary's.
    func withReadConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let replica, !replica.declineIfResting() else { return try await self.withConnection(body) }
        return try await self.guarded {
            // The insert position is past every commit record, flushed yet or not (with
            // synchronous_commit off a commit returns before its record is written).
            let position = try await self.client.withConnection { connection in
                var position = ""
                for try await (lsn) in try await connection.query("SELECT pg_current_wal_insert_lsn()::text", logger: self.logger).decode(String.self)
                {
                    position = lsn
                }
                return position
            }
            if let result = try await replica.read(after: position, body) { return result }
            return try await self.client.withConnection(body)
        }
    }

    /// Runs `body` in a transaction, rolled back if it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await self.guarded {
            do {
                return try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error
            }
        }
    }

    private func guarded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withTimeout(self.queryTimeout, body)
        } catch {
            throw Self.clientError(for: error, logger: self.logger)
        }
    }

    /// What a database fault means to a client: a retryable outage, or our bug. Errors
    /// a closure threw on purpose pass through unchanged.
    static func clientError(for error: any Error, logger: Logger) -> any Error {
        switch error {
        case let error as PSQLError where error.code == .server:
            // SQLSTATE classes that pass: connection exception, transaction rollback
            // (serialization, deadlock), insufficient resources, operator intervention
            // (shutting down, starting up), system error.
            let state = error.serverInfo?[.sqlState] ?? ""
            if ["08", "40", "53", "57", "58"].contains(String(state.prefix(2))) {
                logger.warning("database busy or restarting", metadata: ["sqlstate": "\(state)"])
                return APIError.unavailable("The database is busy, try again")
            }
            // The server's message and the statement may quote what a user sent: the error
            // line names where Postgres failed, the details are for debugging only.
            logger.error("query failed", metadata: ["sqlstate": "\(state)", "routine": "\(error.serverInfo?[.routine] ?? "?")"])
            logger.debug("query failed", metadata: ["error": "\(String(reflecting: error))"])
            return APIError.internal
        case is PSQLError, is ConnectionPoolError, is TimeoutError:
            logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return APIError.unavailable("The database is unavailable, try again")
        default:
            return error
        }
    }

    /// Whether `error` is Postgres giving up on a lock (`lock_timeout`).
    static func lockTimedOut(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "55P03"
    }

    /// The constraint a unique violation broke, if `error` is one.
    static func uniqueViolation(_ error: any Error) -> String? {
        guard let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return nil }
        return error.serverInfo?[.constraintName] ?? ""
    }
}
