import ChatModels
import HummingbirdBcrypt
import Testing

@testable import MessagesApp

@Suite struct PasswordHasherTests {
    @Test func passwordsVerifyOnlyAgainstTheirOwnHash() async throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("correct horse")
        #expect(try await hasher.verify("correct horse", hash: hash))
        #expect(!(try await hasher.verify("wrong horse", hash: hash)))
        #expect(!(try await hasher.verify("correct horse", hash: nil)))
    }

    /// bcrypt alone reads 72 bytes: two passphrases that differ only past them would match.
    @Test func aLongPassphraseCountsWhole() async throws {
        let hasher = PasswordHasher(cost: 4)
        let start = String(repeating: "the quick brown fox ", count: 4)  // 80 bytes
        let hash = try await hasher.hash(start + "jumps")
        #expect(try await hasher.verify(start + "jumps", hash: hash))
        #expect(!(try await hasher.verify(start + "leaps", hash: hash)))
        #expect(!PasswordHasher.needsUpgrade(hash))
    }

    /// Hashes made before the passwords were condensed still verify, and are marked for upgrade.
    @Test func anOlderHashStillVerifies() async throws {
        let hasher = PasswordHasher(cost: 4)
        let older = Bcrypt.hash("correct horse", cost: 4)
        #expect(try await hasher.verify("correct horse", hash: older))
        #expect(!(try await hasher.verify("wrong horse", hash: older)))
        #expect(PasswordHasher.needsUpgrade(older))
    }
}

@Suite struct PasswordHasherQueueTests {
    @Test func pastItsQueueAHashIsRefusedAtOnceNotQueued() async throws {
        let hasher = PasswordHasher(cost: 12, maxPending: 2)  // ~0.3 s a hash: long enough to overlap
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await hasher.hash("correct horse")
                        return "hashed"
                    } catch let error as APIError {
                        return error.code.rawValue
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "hashed" }.count >= 2)
        #expect(outcomes.contains("unavailable"))
        #expect(outcomes.allSatisfy { $0 == "hashed" || $0 == "unavailable" })
        #expect(try await hasher.hash("afterwards").hasPrefix("v2$$2"))  // the queue drains
    }
}
