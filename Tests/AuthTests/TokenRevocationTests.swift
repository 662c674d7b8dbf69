import ChatModels
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Auth

@Suite struct TokenRevocationTests {
    let settings = AuthSettings(jwtSecret: "a-test-secret-that-is-long-enough-0123456789", tokenLifetime: .seconds(600))

    @Test func aRevocationCountsFromTheNextWholeSecond() {
        let revocations = TokenRevocations()
        let user = UUID()
        let revokedAt = Date(timeIntervalSince1970: 1_000_012.3)
        revocations.apply(user, before: TokenRevocations.cutoff(at: revokedAt))
        #expect(revocations.isRevoked(user, issuedAt: 1_000_012))  // issued earlier in that second
        #expect(revocations.isRevoked(user, issuedAt: 999_000))
        #expect(!revocations.isRevoked(user, issuedAt: 1_000_013))
        #expect(!revocations.isRevoked(UUID(), issuedAt: 1))  // someone else
        // A token issued later in the same second is stamped with the cutoff, and counts.
        let issued = revocations.issuedAt(for: user, now: Date(timeIntervalSince1970: 1_000_012.7))
        #expect(issued == 1_000_013 && !revocations.isRevoked(user, issuedAt: issued))
        #expect(revocations.issuedAt(for: user, now: Date(timeIntervalSince1970: 1_000_020.9)) == 1_000_020)
    }

    @Test func listenersHearOfARevocationOnceAndNeverOfAnOlderOne() {
        let revocations = TokenRevocations()
        let heard = NIOLockedValueBox<[Int64]>([])
        revocations.onRevoke { _, before in heard.withLockedValue { $0.append(before) } }
        let user = UUID()
        revocations.apply(user, before: 20)
        revocations.apply(user, before: 20)  // the same one, from the feed after our own
        revocations.apply(user, before: 10)
        revocations.apply(user, before: 30)
        #expect(heard.withLockedValue { $0 } == [20, 30])
        #expect(revocations.revokedBefore(user) == 30)
        revocations.prune(olderThan: 31)
        #expect(revocations.revokedBefore(user) == nil)
    }

    @Test func aRevokedTokenIsRefusedEvenOnceRememberedAndANewOneIsNot() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let user = UUID()
        let old = try await tokens.issue(for: user, role: .student, now: Date().addingTimeInterval(-5))
        #expect(try await tokens.verify(old).userID == user)  // verified, so remembered
        tokens.revocations.apply(user, before: TokenRevocations.cutoff(at: Date()))
        await #expect(throws: APIError.invalidToken) { try await tokens.verify(old) }
        let fresh = try await tokens.issue(for: user, role: .student)
        let verified = try await tokens.verifyToken(fresh)
        #expect(verified.identity.userID == user && verified.issuedAt >= tokens.revocations.revokedBefore(user)!)
        #expect(verified.expires.timeIntervalSinceNow > 590)
    }

    @Test func anAnnouncementReadsBackAsItWasWritten() {
        let user = UUID()
        #expect(RevocationFeed.parse("\(user.uuidString.lowercased()) 1700000000").map { "\($0.0) \($0.1)" } == "\(user) 1700000000")
        for garbage in ["", "x 1", "\(user)", "\(user) x", "\(user) 1 2"] {
            #expect(RevocationFeed.parse(garbage) == nil)
        }
    }
}
