import Foundation
import PostgresNIO
import ServiceConfiguration

/// Links sent by mail that do one thing once (reset a password, confirm an address): a
/// token of 256 random bits in the link, its SHA-256 in `table`, one per user (a newer one
/// replaces it), good until it expires or is spent.
struct MailedLinks: Sendable {
    enum Table: String, Sendable {
        case passwordResets = "password_resets"
        case emailVerifications = "email_verifications"
    }

    let database: Database
    let table: Table
    let lifetime: Duration

    /// A new token for `userID`, replacing any older one, in the caller's transaction.
    func issue(for userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let (token, hash) = HashedToken.make()
        try await connection.query("DELETE FROM \(unescaped: self.table.rawValue) WHERE user_id = \(userID)", logger: logger)
        try await connection.query(
            """
            INSERT INTO \(unescaped: self.table.rawValue) (token_hash, user_id, expires_at)
            VALUES (\(hash), \(userID), now() + make_interval(secs => \(self.lifetime.seconds)))
            """,
            logger: logger
        )
        return token
    }

    /// Whose a token that still works is.
    func user(for token: String) async throws -> UUID? {
        guard let hash = HashedToken.hash(token) else { return nil }
        return try await self.database.withConnection { connection in
            try await connection.query(
                "SELECT user_id FROM \(unescaped: self.table.rawValue) WHERE token_hash = \(hash) AND expires_at > now()",
                logger: self.database.logger
            ).decode(UUID.self).first { _ in true }
        }
    }

    /// Spends a token that still works, in the caller's transaction: whose it was, nil if it
    /// no longer works. The user's other tokens go with it.
    func spend(_ token: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        guard let hash = HashedToken.hash(token) else { return nil }
        let rows = try await connection.query(
            "DELETE FROM \(unescaped: self.table.rawValue) WHERE token_hash = \(hash) AND expires_at > now() RETURNING user_id",
            logger: logger
        )
        guard let userID = try await rows.decode(UUID.self).first(where: { _ in true }) else { return nil }
        try await connection.query("DELETE FROM \(unescaped: self.table.rawValue) WHERE user_id = \(userID)", logger: logger)
        return userID
    }

    /// Ends any token of the user still out.
    func cancel(for userID: UUID) async throws {
        _ = try await self.database.withConnection { connection in
            try await connection.query("DELETE FROM \(unescaped: self.table.rawValue) WHERE user_id = \(userID)", logger: self.database.logger)
        }
    }
}
