import Foundation
import Mail
import PostgresNIO

/// "Forgot password?": a one-time link by mail (`MailedLinks`); a newer one or a password
/// change ends it. The mail is queued in the same transaction as the token, so neither
/// exists without the other.
struct PasswordResets: Sendable {
    let links: MailedLinks

    init(database: Database, lifetime: Duration) {
        self.links = MailedLinks(database: database, table: .passwordResets, lifetime: lifetime)
    }

    var lifetime: Duration { self.links.lifetime }

    /// Makes a token for the account with `email` and queues the mail `message` writes for
    /// it; nil (nothing done) when no account has the address.
    func begin(email: String, message: @escaping @Sendable (_ to: MailAddress, _ token: String) -> MailMessage) async throws -> UUID? {
        let database = self.links.database
        return try await database.transaction { connection in
            let rows = try await connection.query("SELECT id, name, email FROM users WHERE lower(email) = lower(\(email))", logger: database.logger)
            guard let (id, name, address) = try await rows.decode((UUID, String, String).self).first(where: { _ in true }) else { return nil }
            let token = try await self.links.issue(for: id, on: connection, logger: database.logger)
            try await MailOutbox.enqueue(
                message(MailAddress(address, name: name), token),
                kind: "password_reset",
                on: connection,
                logger: database.logger
            )
            return id
        }
    }

    /// The account a token that still works is for: its id, name and email.
    func account(for token: String) async throws -> (id: UUID, name: String, email: String)? {
        guard let userID = try await self.links.user(for: token) else { return nil }
        let database = self.links.database
        return try await database.withConnection { connection in
            try await connection.query("SELECT id, name, email FROM users WHERE id = \(userID)", logger: database.logger)
                .decode((UUID, String, String).self).first { _ in true }.map { (id: $0.0, name: $0.1, email: $0.2) }
        }
    }

    /// Uses the token: the password hash set, every session of the user ended (returned, to
    /// revoke); nil if the token no longer works.
    func complete(_ token: String, passwordHash: String) async throws -> (userID: UUID, endedSessions: [UUID])? {
        let database = self.links.database
        return try await database.transaction { connection in
            guard let userID = try await self.links.spend(token, on: connection, logger: database.logger) else { return nil }
            try await connection.query("UPDATE users SET password_hash = \(passwordHash) WHERE id = \(userID)", logger: database.logger)
            let ended = try await SessionStore.endAll(of: userID, reason: .password, on: connection, logger: database.logger)
            return (userID, ended)
        }
    }

    /// A password change ends any link still out.
    func cancel(for userID: UUID) async throws {
        try await self.links.cancel(for: userID)
    }
}
