import ChatModels
import Foundation
import Testing

@testable import Auth

@Suite struct VerifiedTokensTests {
    let now = Date()
    let identity = Identity(userID: UUID(), role: .student)

    func token(expiring expires: Date) -> VerifiedToken {
        VerifiedToken(identity: self.identity, issuedAt: Int64(self.now.timeIntervalSince1970), expires: expires)
    }

    @Test func aTokenIsKnownUntilItExpires() {
        let tokens = VerifiedTokens(capacity: 10)
        tokens.remember("t", self.token(expiring: self.now.addingTimeInterval(10)), now: self.now)
        #expect(tokens.token(for: "t", now: self.now)?.identity == self.identity)
        #expect(tokens.token(for: "u", now: self.now)?.identity == nil)
        #expect(tokens.token(for: "t", now: self.now.addingTimeInterval(10))?.identity == nil)
        #expect(tokens.token(for: "t", now: self.now)?.identity == nil)  // forgotten once seen expired
    }

    @Test func aFullCacheDropsTheExpiredFirstAndStaysBounded() {
        let tokens = VerifiedTokens(capacity: 2)
        tokens.remember("old", self.token(expiring: self.now.addingTimeInterval(1)), now: self.now)
        tokens.remember("live", self.token(expiring: self.now.addingTimeInterval(100)), now: self.now)
        let later = self.now.addingTimeInterval(5)
        tokens.remember("new", self.token(expiring: self.now.addingTimeInterval(100)), now: later)
        #expect(tokens.token(for: "live", now: later)?.identity == self.identity)  // only the expired one went
        #expect(tokens.token(for: "new", now: later)?.identity == self.identity)
        tokens.remember("newest", self.token(expiring: self.now.addingTimeInterval(100)), now: later)
        #expect(tokens.token(for: "live", now: later)?.identity == nil)  // none expired: all went
        #expect(tokens.token(for: "newest", now: later)?.identity == self.identity)
    }
}
