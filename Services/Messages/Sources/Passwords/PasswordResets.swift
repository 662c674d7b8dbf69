import Foundation
import Mail
import PostgresNIO
import ServiceConfiguration

/// "Forgot password?": a one-time link by mail. Only the token's SHA-256 is stored; it
/// works once, until it expires, and a newer one or a password change ends it. The mail is
/// queued in the same transaction as the token, so neither exists without the other.
struct PasswordResets: Sendable {
    let database: Database
    let lifetime: Duration

    /// Makes a token for the account with `email`, replacing any older one, and queues the
    /// mail `message` writes for it; nil (nothing done) when no account has the address.
    func begin(email: String, message: @escaping @Sendable (_ to: MailAddress, _ token: String) -> MailMessage) async throws -> UUID? {
        let (token, hash) = SessionStore.newToken()
        let lifetime = self.lifetime.seconds
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            let rows = try await connection.query("SELECT id, name, email FROM users WHERE lower(email) = lower(\(email))", logger: logger)
            guard let (id, name, address) = try await rows.decode((UUID, String, String).self).first(where: { _ in true }) else { return nil }
            try await connection.query("DELETE FROM password_resets WHERE user_id = \(id)", logger: logger)
            try await connection.query(
                """
                INSERT INTO password_resets (token_hash, user_id, expires_at)
                VALUES (\(hash), \(id), now() + make_interval(secs => \(lifetime)))
                """,
                logger: logger
            )
            try await MailOutbox.enqueue(message(MailAddress(address, name: name), token), kind: "password_reset", on: connection, logger: logger)
            return id
        }
    }

    /// The account a token that still works is for: its id, name, email and password hash.
    func account(for token: String) async throws -> (id: UUID, name: String, email: String)? {
        guard let hash = SessionStore.hash(token) else { return nil }
        return try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT u.id, u.name, u.email FROM password_resets r JOIN users u ON u.id = r.user_id
                WHERE r.token_hash = \(hash) AND r.expires_at > now()
                """,
                logger: self.database.logger
            ).decode((UUID, String, String).self).first { _ in true }.map { (id: $0.0, name: $0.1, email: $0.2) }
        }
    }

    /// Uses the token: the password hash set, every reset of the user gone, every session of
    /// theirs ended (returned, to revoke); nil if the token no longer works.
    func complete(_ token: String, passwordHash: String) async throws -> (userID: UUID, endedSessions: [UUID])? {
        guard let hash = SessionStore.hash(token) else { return nil }
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                "DELETE FROM password_resets WHERE token_hash = \(hash) AND expires_at > now() RETURNING user_id",
                logger: logger
            )
            guard let userID = try await rows.decode(UUID.self).first(where: { _ in true }) else { return nil }
            try await connection.query("DELETE FROM password_resets WHERE user_id = \(userID)", logger: logger)
            try await connection.query("UPDATE users SET password_hash = \(passwordHash) WHERE id = \(userID)", logger: logger)
            let ended = try await SessionStore.endAll(of: userID, reason: .password, on: connection, logger: logger)
            return (userID, ended)
        }
    }

    /// A password change ends any link still out.
    func cancel(for userID: UUID) async throws {
        try await self.database.withConnection { connection in
            try await connection.query("DELETE FROM password_resets WHERE user_id = \(userID)", logger: self.database.logger)
        }
    }
}
