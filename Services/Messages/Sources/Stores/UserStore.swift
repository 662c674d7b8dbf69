import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// Users and their credentials.
struct UserStore: Sendable {
    let database: Database

    static let columns = "u.id, u.name, u.email, u.role, u.avatar_url"
    typealias Row = (UUID, String, String, String, String?)

    static func user(_ row: Row) -> User {
        User(id: row.0, name: row.1, email: row.2, role: Role(rawValue: row.3) ?? .student, avatarUrl: row.4)
    }

    /// Creates a user; a taken email (in any letter case) is a 409.
    func create(name: String, email: String, passwordHash: String, role: Role) async throws -> User {
        let user = User(id: UUID(), name: name, email: email, role: role)
        try await self.database.withConnection { connection in
            do {
                try await connection.query(
                    """
                    INSERT INTO users (id, name, email, password_hash, role)
                    VALUES (\(user.id), \(user.name), \(user.email), \(passwordHash), \(user.role.rawValue))
                    """,
                    logger: self.database.logger
                )
            } catch  where Database.uniqueViolation(error) == "users_email_key" {
                throw APIError.conflict("email_taken", "An account with this email exists")
            }
        }
        return user
    }

    /// The user with this email and their password hash.
    func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns), u.password_hash FROM users u WHERE lower(u.email) = lower(\(email))",
                logger: self.database.logger
            )
            for try await row in rows.decode((UUID, String, String, String, String?, String).self) {
                return (Self.user((row.0, row.1, row.2, row.3, row.4)), row.5)
            }
            return nil
        }
    }

    func user(id: UUID) async throws -> User? {
        try await self.users(ids: [id]).first
    }

    func users(ids: [UUID]) async throws -> [User] {
        try await self.database.withConnection { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM users u WHERE u.id = ANY(\(ids)) ORDER BY u.name",
                logger: self.database.logger
            ).decode(Row.self).reduce(into: []) { $0.append(Self.user($1)) }
        }
    }

    func users(role: Role, limit: Int) async throws -> [User] {
        try await self.database.withConnection { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM users u WHERE u.role = \(role.rawValue) ORDER BY u.name, u.id LIMIT \(limit)",
                logger: self.database.logger
            ).decode(Row.self).reduce(into: []) { $0.append(Self.user($1)) }
        }
    }
}
