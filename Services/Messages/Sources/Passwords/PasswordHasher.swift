import ChatModels
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// bcrypt on the thread pool: a hash takes tens of milliseconds, which must not stall an event
/// loop. At most `maxPending` hashes run or wait at once; past that a sign-in or sign-up is
/// refused at once (503, retryable) rather than queued behind a flood.
///
/// bcrypt reads 72 bytes of a password and ignores the rest, which would make a long
/// passphrase no stronger than its start: a password is first condensed with HMAC-SHA-256
/// (under a key of this project's own, so that a leaked list of plain SHA-256 hashes cannot
/// be tried against ours) and its base64 is what bcrypt hashes. Such hashes are stored as
/// `v2$` and the bcrypt string; older ones, of the password itself, still verify, and are
/// replaced at the next sign-in (`needsUpgrade`).
struct PasswordHasher: Sendable {
    let cost: UInt8
    let maxPending: Int
    /// Compared against when an email is unknown, so that the answer takes as long as for a known one.
    private let decoy: String
    private let pending = NIOLockedValueBox(0)

    static let version = "v2$"
    private static let condensingKey = SymmetricKey(data: Data("swift-chat password condensing v2".utf8))

    init(cost: Int, maxPending: Int = 64) {
        self.cost = UInt8(clamping: cost)
        self.maxPending = maxPending
        self.decoy = Self.version + Bcrypt.hash(Self.condensed("decoy password"), cost: self.cost)
    }

    func hash(_ password: String) async throws -> String {
        try await self.bounded { [cost] in Self.version + Bcrypt.hash(Self.condensed(password), cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (an unknown user) it spends the same time and says no.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        try await self.bounded { [decoy] in
            let stored = hash ?? decoy
            let matches =
                stored.hasPrefix(Self.version)
                ? Bcrypt.verify(Self.condensed(password), hash: String(stored.dropFirst(Self.version.count)))
                : Bcrypt.verify(password, hash: stored)
            return hash != nil && matches
        }
    }

    /// Whether a hash that verified is of the older kind, to be stored again as `v2$`.
    static func needsUpgrade(_ hash: String) -> Bool {
        !hash.hasPrefix(Self.version)
    }

    /// 44 characters of base64, whatever the password's length.
    static func condensed(_ password: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(password.utf8), using: Self.condensingKey)).base64EncodedString()
    }

    private func bounded<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        let admitted = self.pending.withLockedValue { pending in
            guard pending < self.maxPending else { return false }
            pending += 1
            return true
        }
        guard admitted else { throw APIError.unavailable("Too many sign-ins at once; try again shortly") }
        defer { self.pending.withLockedValue { $0 -= 1 } }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }
}
