import HummingbirdBcrypt
import NIOPosix

/// bcrypt on the thread pool: a hash takes tens of milliseconds, which must not stall an event loop.
struct PasswordHasher: Sendable {
    let cost: UInt8
    /// Compared against when an email is unknown, so that the answer takes as long as for a known one.
    private let decoy: String

    init(cost: Int) {
        self.cost = UInt8(clamping: cost)
        self.decoy = Bcrypt.hash("decoy password", cost: self.cost)
    }

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (an unknown user) it spends the same time and says no.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { [decoy] in
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return hash != nil && matches
        }
    }
}
