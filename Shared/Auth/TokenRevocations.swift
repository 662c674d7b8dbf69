import Foundation
import NIOConcurrencyHelpers

/// Which tokens no longer count, though they have not expired.
///
/// - A user who signed out everywhere: the second before which their tokens no longer
///   count. Tokens carry their issue time in whole seconds, so a revocation made at 12.3 s
///   counts from 13 (every token issued before it has `iat` ≤ 12), and a token issued in
///   that same second after it is stamped 13 (`issuedAt(for:now:)`).
/// - A session that ended (signed out, ended from another device, its refresh token
///   stolen): every token of it, until the last one it could have issued has expired.
///
/// Every service holds one, kept in step by a `RevocationFeed`; the gateway also listens,
/// to end the sockets of a revoked session.
public final class TokenRevocations: Sendable {
    public enum Revocation: Sendable, Equatable {
        /// Every token of the user issued before the second `before`.
        case user(UUID, before: Int64)
        /// Every token of the session; remembered until `until` (seconds since 1970).
        case session(UUID, until: Int64)
    }

    public typealias Listener = @Sendable (Revocation) -> Void

    private struct State {
        var before: [UUID: Int64] = [:]
        var sessions: [UUID: Int64] = [:]
        var listeners: [Listener] = []
        var loaded = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The second from which `userID`'s tokens count, if they revoked any.
    public func revokedBefore(_ userID: UUID) -> Int64? {
        self.state.withLockedValue { $0.before[userID] }
    }

    public func isRevoked(_ userID: UUID, issuedAt: Int64) -> Bool {
        guard let before = self.revokedBefore(userID) else { return false }
        return issuedAt < before
    }

    public func isRevoked(session: UUID) -> Bool {
        self.state.withLockedValue { $0.sessions[session] != nil }
    }

    /// Whether the token was revoked, by its user or its session.
    public func isRevoked(_ token: VerifiedToken) -> Bool {
        self.state.withLockedValue { state in
            if let before = state.before[token.identity.userID], token.issuedAt < before { return true }
            if let session = token.sessionID, state.sessions[session] != nil { return true }
            return false
        }
    }

    /// The `iat` for a token issued now: never before the user's last revocation.
    public func issuedAt(for userID: UUID, now: Date) -> Int64 {
        max(Int64(now.timeIntervalSince1970.rounded(.down)), self.revokedBefore(userID) ?? 0)
    }

    /// The second a revocation made at `now` counts from.
    public static func cutoff(at now: Date) -> Int64 {
        Int64(now.timeIntervalSince1970.rounded(.up))
    }

    /// Records a revocation; listeners hear of it only when it revokes something new (a
    /// user's cutoff moved on, a session not known revoked).
    public func apply(_ revocation: Revocation) {
        let listeners = self.state.withLockedValue { state -> [Listener] in
            switch revocation {
            case .user(let userID, let before):
                guard before > state.before[userID] ?? .min else { return [] }
                state.before[userID] = before
            case .session(let session, let until):
                let known = state.sessions[session]
                state.sessions[session] = max(known ?? .min, until)
                guard known == nil else { return [] }
            }
            return state.listeners
        }
        for listener in listeners { listener(revocation) }
    }

    public func apply(_ userID: UUID, before: Int64) {
        self.apply(.user(userID, before: before))
    }

    /// Forgets revocations older than any token still valid (`oldest` is now minus the
    /// lifetime), and sessions whose tokens have all expired by `now`.
    public func prune(olderThan oldest: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) {
        self.state.withLockedValue {
            $0.before = $0.before.filter { $0.value >= oldest }
            $0.sessions = $0.sessions.filter { $0.value >= now }
        }
    }

    /// Whether the stored revocations were read once: until then a service is not ready,
    /// for it would admit revoked tokens.
    public var isLoaded: Bool { self.state.withLockedValue { $0.loaded } }

    func markLoaded() {
        self.state.withLockedValue { $0.loaded = true }
    }

    public func onRevoke(_ listener: @escaping Listener) {
        self.state.withLockedValue { $0.listeners.append(listener) }
    }
}
