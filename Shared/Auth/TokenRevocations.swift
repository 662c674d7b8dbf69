import Foundation
import NIOConcurrencyHelpers

/// "Log out everywhere": for each user who asked, the second before which their tokens
/// no longer count. Tokens carry their issue time in whole seconds, so a revocation made
/// at 12.3 s counts from 13 (every token issued before it has `iat` ≤ 12), and a token
/// issued in that same second after it is stamped 13 (`issuedAt(for:now:)`).
///
/// Every service holds one, kept in step by a `RevocationFeed`; the gateway also listens,
/// to end the sockets of a revoked session.
public final class TokenRevocations: Sendable {
    public typealias Listener = @Sendable (_ userID: UUID, _ before: Int64) -> Void

    private struct State {
        var before: [UUID: Int64] = [:]
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

    /// The `iat` for a token issued now: never before the user's last revocation.
    public func issuedAt(for userID: UUID, now: Date) -> Int64 {
        max(Int64(now.timeIntervalSince1970.rounded(.down)), self.revokedBefore(userID) ?? 0)
    }

    /// The second a revocation made at `now` counts from.
    public static func cutoff(at now: Date) -> Int64 {
        Int64(now.timeIntervalSince1970.rounded(.up))
    }

    /// Records a revocation; listeners hear of it only when it moves the user's cutoff on.
    public func apply(_ userID: UUID, before: Int64) {
        let listeners = self.state.withLockedValue { state -> [Listener] in
            guard before > state.before[userID] ?? .min else { return [] }
            state.before[userID] = before
            return state.listeners
        }
        for listener in listeners { listener(userID, before) }
    }

    /// Forgets revocations older than any token still valid (`oldest` is now minus the lifetime).
    public func prune(olderThan oldest: Int64) {
        self.state.withLockedValue { $0.before = $0.before.filter { $0.value >= oldest } }
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
