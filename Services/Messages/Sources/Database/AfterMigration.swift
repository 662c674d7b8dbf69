import NIOConcurrencyHelpers
import ServiceLifecycle

/// Opened once this start's migrations ran: from then on the tables and columns this
/// build's statements name exist. The stream consumers start at once with the service, so
/// on an upgrade they would otherwise send statements of the new build to the old schema
/// (a long migration, such as 22 copying every message, makes that window seconds long).
final class MigrationGate: Sendable {
    private let isOpen = NIOLockedValueBox(false)

    func open() {
        self.isOpen.withLockedValue { $0 = true }
    }

    /// Returns once open; checks every 50 ms (a wait at start only), throws if cancelled.
    func wait() async throws {
        while !self.isOpen.withLockedValue({ $0 }) {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Runs a service once the schema is migrated; a shutdown before that ends it quietly.
struct AfterMigration: Service {
    let gate: MigrationGate
    let service: any Service

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch {
            return
        }
        try await self.service.run()
    }
}
