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
