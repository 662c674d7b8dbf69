import ChatTestSupport
import PostgresNIO

@testable import MessagesApp

/// Runs `body` with a client of the test database, connected for as long as it runs: for
/// what the API does not show (a hash as stored, mail in the outbox, the audit log's guards).
func withTestPostgres(_ configuration: MessagesConfiguration, _ body: @escaping @Sendable (PostgresClient) async throws -> Void) async throws {
    let postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: TestEnvironment.logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await postgres.run() }
        defer { group.cancelAll() }
        try await body(postgres)
    }
}
