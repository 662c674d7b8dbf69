import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// Users and their credentials.
struct UserStore: Sendable {
    let database: Database

    /// A user as lists show them (participants, the directory): everything public but the bio.
    static let columns = "u.id, u.name, u.email, u.role, u.avatar_url, u.headline, u.subjects, u.verified_at IS NOT NULL"
    typealias Row = (UUID, String, String, String, String?, String?, [String], Bool)
    /// A whole profile: `columns` and the bio.
    static let profileColumns = columns + ", u.bio"

    static func user(_ row: Row, bio: String? = nil) -> User {
        User(
            id: row.0,
            name: row.1,
            email: row.2,
            role: Role(rawValue: row.3) ?? .student,
            avatarUrl: row.4,
            headline: row.5,
            subjects: row.6.isEmpty ? nil : row.6,
            bio: bio,
            verified: row.7 ? true : nil
        )
    }

    typealias ProfileRow = (UUID, String, String, String, String?, String?, [String], Bool, String?)

    static func profile(_ row: ProfileRow) -> User {
        Self.user((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7), bio: row.8)
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
                throw APIError(.emailTaken, "An account with this email exists", field: "email")
            }
        }
        return user
    }

    /// The user with this email, their password hash, and until when (if at all, and if
    /// still) an admin suspended them: `.distantFuture` for good.
    func credentials(email: String) async throws -> (user: User, passwordHash: String, suspendedUntil: Date?)? {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns), u.password_hash,
                       EXTRACT(EPOCH FROM u.suspended_until)::float8
                FROM users u WHERE lower(u.email) = lower(\(email))
                """,
                logger: self.database.logger
            )
            for try await row in rows.decode((UUID, String, String, String, String?, String?, [String], Bool, String, Double?).self) {
                let until = row.9.map { $0.isInfinite ? Date.distantFuture : Date(timeIntervalSince1970: $0) }
                return (Self.user((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7)), row.8, until.flatMap { $0 > Date() ? $0 : nil })
            }
            return nil
        }
    }

    /// The user's password hash, name and email, to check a password against.
    func credentials(id: UUID) async throws -> (passwordHash: String, name: String, email: String)? {
        try await self.database.withConnection { connection in
            try await connection.query("SELECT password_hash, name, email FROM users WHERE id = \(id)", logger: self.database.logger)
                .decode((String, String, String).self).first { _ in true }.map { (passwordHash: $0.0, name: $0.1, email: $0.2) }
        }
    }

    /// How the user is mailed about unread messages.
    func emailNotifications(_ id: UUID) async throws -> EmailNotifications? {
        try await self.database.withConnection { connection in
            try await connection.query("SELECT email_notifications FROM users WHERE id = \(id)", logger: self.database.logger)
                .decode(String.self).first { _ in true }.flatMap(EmailNotifications.init(rawValue:))
        }
    }

    /// Sets how the user is mailed about unread messages; false if there is no such user.
    func setEmailNotifications(_ mode: EmailNotifications, of id: UUID) async throws -> Bool {
        try await self.database.withConnection { connection in
            try await connection.query(
                "UPDATE users SET email_notifications = \(mode.rawValue) WHERE id = \(id) RETURNING id",
                logger: self.database.logger
            ).decode(UUID.self).first { _ in true } != nil
        }
    }

    /// Whether the user confirmed their email address; nil if there is no such user.
    func emailVerified(_ id: UUID) async throws -> Bool? {
        try await self.database.withConnection { connection in
            try await connection.query("SELECT email_verified_at IS NOT NULL FROM users WHERE id = \(id)", logger: self.database.logger)
                .decode(Bool.self).first { _ in true }
        }
    }

    /// Stores a new password hash, if the one it replaces is still `replacing` (a change made
    /// meanwhile wins); whether it did.
    func setPasswordHash(_ hash: String, of id: UUID, replacing old: String) async throws -> Bool {
        try await self.database.withConnection { connection in
            try await connection.query(
                "UPDATE users SET password_hash = \(hash) WHERE id = \(id) AND password_hash = \(old) RETURNING id",
                logger: self.database.logger
            ).decode(UUID.self).first { _ in true } != nil
        }
    }

    /// Suspends the user until `until` (nil: for good), or with `restore` lifts it; false
    /// if there is no such user.
    static func suspend(_ id: UUID, until: Date?, restore: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE users SET suspended_until = CASE WHEN \(restore) THEN NULL WHEN \(until == nil) THEN 'infinity'::timestamptz ELSE \(until) END
            WHERE id = \(id) RETURNING id
            """,
            logger: logger
        )
        return try await rows.decode(UUID.self).first { _ in true } != nil
    }

    /// The whole profile, bio included.
    func user(id: UUID) async throws -> User? {
        try await self.profile("SELECT \(unescaped: Self.profileColumns) FROM users u WHERE u.id = \(id)")
    }

    func users(ids: [UUID]) async throws -> [User] {
        try await self.database.withConnection { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM users u WHERE u.id = ANY(\(ids)) ORDER BY u.name",
                logger: self.database.logger
            ).decode(Row.self).reduce(into: []) { $0.append(Self.user($1)) }
        }
    }

    /// Changes the profile fields `change` names, already validated; nil if the user is gone.
    func update(_ id: UUID, _ change: ValidProfileChange) async throws -> User? {
        try await self.profile(
            """
            UPDATE users u SET
                name = coalesce(\(change.name), u.name),
                headline = CASE WHEN \(change.setsHeadline) THEN \(change.headline) ELSE u.headline END,
                subjects = coalesce(\(change.subjects)::text[], u.subjects),
                bio = CASE WHEN \(change.setsBio) THEN \(change.bio) ELSE u.bio END,
                updated_at = now()
            WHERE u.id = \(id)
            RETURNING \(unescaped: Self.profileColumns)
            """
        )
    }

    /// Sets (or with nil clears) the user's picture: its storage key, for the orphan sweep,
    /// and the URL clients load it from. Nil if the user is gone.
    func setAvatar(_ id: UUID, storageKey: String?, url: String?) async throws -> User? {
        try await self.profile(
            """
            UPDATE users u SET avatar_key = \(storageKey), avatar_url = \(url), updated_at = now()
            WHERE u.id = \(id)
            RETURNING \(unescaped: Self.profileColumns)
            """
        )
    }
}

extension UserStore {
    /// The one profile `query` selects, if any.
    /// Marks an expert verified (or not) and records who did it, in one transaction: the
    /// expert after, nil if there is no such user; a 422 for someone not an expert.
    func setVerified(_ id: UUID, _ verified: Bool, by admin: UUID?) async throws -> User? {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                UPDATE users u SET verified_at = CASE WHEN \(verified) THEN coalesce(u.verified_at, now()) END, updated_at = now()
                WHERE u.id = \(id)
                RETURNING \(unescaped: Self.profileColumns)
                """,
                logger: logger
            )
            guard let user = try await rows.decode(ProfileRow.self).first(where: { _ in true }).map(Self.profile) else { return nil }
            guard user.role == .expert else { throw APIError.validation("Only experts are verified") }
            try await AuditLog.record(verified ? .verify : .unverify, by: admin, user: id, on: connection, logger: logger)
            return user
        }
    }

    fileprivate func profile(_ query: PostgresQuery) async throws -> User? {
        try await self.database.withConnection { connection in
            try await connection.query(query, logger: self.database.logger).decode(ProfileRow.self).first { _ in true }.map(Self.profile)
        }
    }
}

/// A `ProfileChange` that passed validation, as the update statement takes it.
struct ValidProfileChange: Sendable, Equatable {
    var name: String?
    var setsHeadline = false
    var headline: String?
    var subjects: [String]?
    var setsBio = false
    var bio: String?
}
