import Logging
import PostgresNIO

/// Applies pending migrations at start. An advisory lock held for the transaction makes
/// it safe for several instances starting at once: one migrates, the others wait and
/// then find nothing left to do.
struct Migrator {
    /// Any constant shared by every instance; "chatmigr" in ASCII.
    static let lockKey: Int64 = 0x63_68_61_74_6D_69_67_72

    let migrations: [Migration]

    init(migrations: [Migration] = Migrations.all) {
        self.migrations = migrations
    }

    /// The versions applied by this call.
    @discardableResult
    func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        let migrations = self.migrations
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: logger
            )
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > (migrations.map(\.version).max() ?? 0) {
                logger.warning("the database has migrations this build does not know", metadata: ["version": "\(newest)"])
            }
            var ran: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                ran.append(migration.version)
            }
            return ran
        }
    }
}
