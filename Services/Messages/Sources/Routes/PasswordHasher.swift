import ChatModels
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// bcrypt on the thread pool: a hash takes tens of milliseconds, which must not stall an event
/// loop. At most `maxPending` hashes run or wait at once; past that a sign-in or sign-up is
/// refused at once (503, retryable) rather than queued behind a flood.
struct PasswordHasher: Sendable {
    let cost: UInt8
    let maxPending: Int
    /// Compared against when an email is unknown, so that the answer takes as long as for a known one.
    private let decoy: String
    private let pending = NIOLockedValueBox(0)

    init(cost: Int, maxPending: Int = 64) {
        self.cost = UInt8(clamping: cost)
        self.maxPending = maxPending
        self.decoy = Bcrypt.hash("decoy password", cost: self.cost)
    }

    func hash(_ password: String) async throws -> String {
        try await self.bounded { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (an unknown user) it spends the same time and says no.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        try await self.bounded { [decoy] in
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return hash != nil && matches
        }
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
