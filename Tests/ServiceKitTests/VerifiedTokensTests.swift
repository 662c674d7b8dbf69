import ChatModels
import Foundation
import Testing

@testable import ServiceKit

@Suite struct VerifiedTokensTests {
    let now = Date()
    let identity = Identity(userID: UUID(), role: .student)

    @Test func aTokenIsKnownUntilItExpires() {
        let tokens = VerifiedTokens(capacity: 10)
        tokens.remember("t", self.identity, expires: self.now.addingTimeInterval(10), now: self.now)
        #expect(tokens.identity(for: "t", now: self.now) == self.identity)
        #expect(tokens.identity(for: "u", now: self.now) == nil)
        #expect(tokens.identity(for: "t", now: self.now.addingTimeInterval(10)) == nil)
        #expect(tokens.identity(for: "t", now: self.now) == nil)  // forgotten once seen expired
    }

    @Test func aFullCacheDropsTheExpiredFirstAndStaysBounded() {
        let tokens = VerifiedTokens(capacity: 2)
        tokens.remember("old", self.identity, expires: self.now.addingTimeInterval(1), now: self.now)
        tokens.remember("live", self.identity, expires: self.now.addingTimeInterval(100), now: self.now)
        let later = self.now.addingTimeInterval(5)
        tokens.remember("new", self.identity, expires: self.now.addingTimeInterval(100), now: later)
        #expect(tokens.identity(for: "live", now: later) == self.identity)  // only the expired one went
        #expect(tokens.identity(for: "new", now: later) == self.identity)
        tokens.remember("newest", self.identity, expires: self.now.addingTimeInterval(100), now: later)
        #expect(tokens.identity(for: "live", now: later) == nil)  // none expired: all went
        #expect(tokens.identity(for: "newest", now: later) == self.identity)
    }
}
