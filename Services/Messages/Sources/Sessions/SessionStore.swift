import ChatModels
import Crypto
import Foundation
import PostgresNIO
import ServiceConfiguration

/// Sign-in sessions: one row per device that signed in, renewed with refresh tokens that
/// rotate on every use. Only a token's SHA-256 is stored; a session has one live token, and
/// those it replaced still renew for `reuseGrace`; one coming back after that ends the
/// session (someone else holds a copy).
struct SessionStore: Sendable {
    let database: Database
    let settings: SessionSettings

    /// Live sessions one user may hold; signing in past it ends the least recently used.
    static let maxSessionsPerUser = 100
    /// How long replaced tokens are kept, to tell a stolen one from an unknown one.
    static let replacedKept = "1 day"
    /// What is kept of a session's `User-Agent` and address.
    static let maxUserAgentBytes = 256
    static let maxAddressBytes = 64

    /// Why a session ended.
    enum EndReason: String {
        case signedOut = "signed_out"
        case ended, reused, everywhere, suspended, password
    }

    /// A session as it was begun or renewed: the new refresh token goes to its holder.
    struct Renewal: Sendable {
        var sessionID: UUID
        var userID: UUID
        var refreshToken: String
        var expiresAt: Date
        /// "Keep me signed in", as chosen at sign-in.
        var persistent: Bool
    }

    enum RenewalOutcome: Sendable {
        case renewed(Renewal)
        /// No such token, or its session ended or expired.
        case unknown
        /// A replaced token came back after its grace: the session has just been ended.
        case reused(sessionID: UUID, userID: UUID)
        /// The user is suspended: the session has just been ended.
        case suspended(sessionID: UUID, userID: UUID, until: Date)
    }

    /// Where a request came from, kept with its session (both bounded in bytes).
    struct Device: Sendable {
        var userAgent: String?
        var address: String?

        init(userAgent: String?, address: String?) {
            self.userAgent = userAgent.map { Self.cut($0, to: SessionStore.maxUserAgentBytes) }.flatMap { $0.isEmpty ? nil : $0 }
            self.address = address.map { Self.cut($0, to: SessionStore.maxAddressBytes) }.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// At most `bytes` of UTF-8, cut at a character, with no control characters.
        static func cut(_ text: String, to bytes: Int) -> String {
            var kept = ""
            var used = 0
            for character in text where !character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                used += character.utf8.count
                guard used <= bytes else { break }
                kept.append(character)
            }
            return kept
        }
    }

    /// Begins a session for `userID`, ending their least recently used ones past the cap and
    /// forgetting those that ended long ago.
    func begin(for userID: UUID, device: Device, persistent: Bool) async throws -> Renewal {
        let (token, hash) = HashedToken.make()
        let id = UUID()
        let lifetime = self.settings.lifetime.seconds
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            try await connection.query(
                """
                DELETE FROM auth_sessions
                WHERE user_id = \(userID) AND (ended_at < now() - interval '30 days' OR expires_at < now() - interval '30 days')
                """,
                logger: logger
            )
            try await connection.query(
                """
                UPDATE auth_sessions SET ended_at = now(), end_reason = 'ended'
                WHERE id IN (
                    SELECT id FROM auth_sessions WHERE user_id = \(userID) AND ended_at IS NULL AND expires_at > now()
                    ORDER BY last_used_at DESC OFFSET \(Self.maxSessionsPerUser - 1)
                )
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                INSERT INTO auth_sessions (id, user_id, user_agent, address, persistent, expires_at)
                VALUES (\(id), \(userID), \(device.userAgent), \(device.address), \(persistent), now() + make_interval(secs => \(lifetime)))
                RETURNING expires_at
                """,
                logger: logger
            )
            let expires = try await rows.decode(Date.self).first { _ in true }!
            try await connection.query("INSERT INTO auth_refresh_tokens (hash, session_id) VALUES (\(hash), \(id))", logger: logger)
            return Renewal(sessionID: id, userID: userID, refreshToken: token, expiresAt: expires, persistent: persistent)
        }
    }

    /// Renews the session `token` belongs to with a new token, if it may.
    func renew(_ token: String, device: Device) async throws -> RenewalOutcome {
        guard let hash = HashedToken.hash(token) else { return .unknown }
        let (next, nextHash) = HashedToken.make()
        let (lifetime, grace) = (self.settings.lifetime.seconds, self.settings.reuseGrace.seconds)
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            // The session's row lock first, orders concurrent renewals of one session; the
            // token is read after it (a statement of its own: a snapshot taken once the lock
            // is held), so a renewal that waited sees what the one before it did.
            let sessions = try await connection.query(
                """
                SELECT s.id, s.user_id, EXTRACT(EPOCH FROM u.suspended_until)::float8
                FROM auth_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.id = (SELECT session_id FROM auth_refresh_tokens WHERE hash = \(hash))
                  AND s.ended_at IS NULL AND s.expires_at > now()
                FOR UPDATE OF s
                """,
                logger: logger
            )
            guard let (id, userID, suspended) = try await sessions.decode((UUID, UUID, Double?).self).first(where: { _ in true }) else {
                return .unknown
            }
            let tokens = try await connection.query(
                """
                SELECT replaced_at IS NOT NULL AND replaced_at < now() - make_interval(secs => \(grace))
                FROM auth_refresh_tokens WHERE hash = \(hash)
                """,
                logger: logger
            )
            guard let pastGrace = try await tokens.decode(Bool.self).first(where: { _ in true }) else { return .unknown }
            if pastGrace {
                try await Self.end(id, reason: .reused, on: connection, logger: logger)
                return .reused(sessionID: id, userID: userID)
            }
            if let suspended {
                let until = suspended.isInfinite ? Date.distantFuture : Date(timeIntervalSince1970: suspended)
                if until > Date() {
                    try await Self.end(id, reason: .suspended, on: connection, logger: logger)
                    return .suspended(sessionID: id, userID: userID, until: until)
                }
            }
            // One live token a session: every other one is replaced now, so two renewals
            // with one token (a retry, or a thief racing its owner) leave one chain, and
            // whichever holder comes back after the grace ends the session.
            try await connection.query(
                """
                UPDATE auth_refresh_tokens SET replaced_at = now() WHERE session_id = \(id) AND replaced_at IS NULL
                """,
                logger: logger
            )
            try await connection.query(
                """
                DELETE FROM auth_refresh_tokens
                WHERE session_id = \(id) AND replaced_at < now() - interval '\(unescaped: Self.replacedKept)'
                """,
                logger: logger
            )
            try await connection.query("INSERT INTO auth_refresh_tokens (hash, session_id) VALUES (\(nextHash), \(id))", logger: logger)
            let renewed = try await connection.query(
                """
                UPDATE auth_sessions SET last_used_at = now(), expires_at = now() + make_interval(secs => \(lifetime)),
                    user_agent = COALESCE(\(device.userAgent), user_agent), address = COALESCE(\(device.address), address)
                WHERE id = \(id) RETURNING expires_at, persistent
                """,
                logger: logger
            )
            let (expires, persistent) = try await renewed.decode((Date, Bool).self).first { _ in true }!
            return .renewed(Renewal(sessionID: id, userID: userID, refreshToken: next, expiresAt: expires, persistent: persistent))
        }
    }

    /// The session `token` belongs to (replaced tokens included), if it is live.
    func session(of token: String) async throws -> (id: UUID, userID: UUID)? {
        guard let hash = HashedToken.hash(token) else { return nil }
        return try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT s.id, s.user_id FROM auth_refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
                WHERE t.hash = \(hash) AND s.ended_at IS NULL
                """,
                logger: self.database.logger
            ).decode((UUID, UUID).self).first { _ in true }.map { (id: $0.0, userID: $0.1) }
        }
    }

    /// The user's live sessions, most recently used first.
    func sessions(of userID: UUID, current: UUID?) async throws -> [SessionInfo] {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT id, user_agent, address, created_at, last_used_at, expires_at FROM auth_sessions
                WHERE user_id = \(userID) AND ended_at IS NULL AND expires_at > now()
                ORDER BY last_used_at DESC, id
                """,
                logger: self.database.logger
            ).decode((UUID, String?, String?, Date, Date, Date).self).reduce(into: []) { list, row in
                list.append(
                    SessionInfo(
                        id: row.0,
                        userAgent: row.1,
                        address: row.2,
                        createdAt: row.3,
                        lastUsedAt: row.4,
                        expiresAt: row.5,
                        current: row.0 == current
                    )
                )
            }
        }
    }

    /// Ends one of the user's sessions; false if they have no such live session.
    func end(_ id: UUID, of userID: UUID, reason: EndReason) async throws -> Bool {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                UPDATE auth_sessions SET ended_at = now(), end_reason = \(reason.rawValue)
                WHERE id = \(id) AND user_id = \(userID) AND ended_at IS NULL RETURNING id
                """,
                logger: self.database.logger
            ).decode(UUID.self).first { _ in true } != nil
        }
    }

    /// Ends every live session of the user but `except`; returns those it ended.
    @discardableResult
    func endAll(of userID: UUID, except: UUID? = nil, reason: EndReason) async throws -> [UUID] {
        try await self.database.withConnection { connection in
            try await Self.endAll(of: userID, except: except, reason: reason, on: connection, logger: self.database.logger)
        }
    }

    static func endAll(
        of userID: UUID,
        except: UUID? = nil,
        reason: EndReason,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [UUID] {
        try await connection.query(
            """
            UPDATE auth_sessions SET ended_at = now(), end_reason = \(reason.rawValue)
            WHERE user_id = \(userID) AND ended_at IS NULL AND id IS DISTINCT FROM \(except) RETURNING id
            """,
            logger: logger
        ).decode(UUID.self).reduce(into: []) { $0.append($1) }
    }

    private static func end(_ id: UUID, reason: EndReason, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE auth_sessions SET ended_at = now(), end_reason = \(reason.rawValue) WHERE id = \(id)", logger: logger)
    }
}
