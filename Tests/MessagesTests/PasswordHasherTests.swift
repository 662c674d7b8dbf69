import ChatModels
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
        #expect(try await hasher.hash("afterwards").hasPrefix("$2"))  // the queue drains
    }
}
