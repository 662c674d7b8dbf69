import ChatTestSupport
import Foundation
import Logging
import MessagesTestSupport
import PostgresNIO
import Testing

@testable import MessagesApp

@Suite struct MigrationTests {
    /// A database of the test's own, so that it starts empty.
    static func withFreshDatabase(_ body: (DatabaseSettings) async throws -> Void) async throws {
        let settings = try TestEnvironment.messages().database
        let admin = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: TestEnvironment.logger)
        let name = "migrations_\(UUID().uuidString.prefix(8).lowercased())"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            var fresh = settings
            fresh.database = name
            try await body(fresh)
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
        }
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        try await Self.withFreshDatabase { settings in
            let clients = (0..<4).map { _ in PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: TestEnvironment.logger) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients { group.addTask { await client.run() } }
                defer { group.cancelAll() }
                let applied = try await withThrowingTaskGroup(of: [Int].self) { migrations in
                    for client in clients { migrations.addTask { try await Migrator().migrate(client, logger: TestEnvironment.logger) } }
                    return try await migrations.reduce(into: []) { $0.append($1) }
                }
                let everything = Migrations.all.map(\.version)
                #expect(applied.filter { $0 == everything }.count == 1)
                #expect(applied.filter(\.isEmpty).count == clients.count - 1)
                // And again later: nothing left to do.
                #expect(try await Migrator().migrate(clients[0], logger: TestEnvironment.logger).isEmpty)
                let rows = try await clients[0].query("SELECT count(*) FROM schema_migrations")
                for try await count in rows.decode(Int.self) { #expect(count == everything.count) }
            }
        }
    }
}
