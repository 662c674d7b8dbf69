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
        revocations.onRevoke { revocation in
            if case .user(_, let before) = revocation { heard.withLockedValue { $0.append(before) } }
        }
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
        #expect(RevocationFeed.parse("\(user.uuidString.lowercased()) 1700000000") == .user(user, before: 1_700_000_000))
        #expect(RevocationFeed.parse("session \(user.uuidString.lowercased()) 1700000900") == .session(user, until: 1_700_000_900))
        for garbage in ["", "x 1", "\(user)", "\(user) x", "\(user) 1 2", "session \(user)", "session x 1", "sessions \(user) 1"] {
            #expect(RevocationFeed.parse(garbage) == nil)
        }
    }

    /// An ended session's tokens are refused, remembered or not, until the last of them has
    /// expired; the user's other sessions, and tokens without a session, are not touched.
    @Test func anEndedSessionsTokensAreRefusedAndNoOthers() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let user = UUID()
        let (ended, kept) = (UUID(), UUID())
        let heard = NIOLockedValueBox<[TokenRevocations.Revocation]>([])
        tokens.revocations.onRevoke { revocation in heard.withLockedValue { $0.append(revocation) } }
        let doomed = try await tokens.issue(for: user, role: .student, session: ended)
        let other = try await tokens.issue(for: user, role: .student, session: kept)
        let legacy = try await tokens.issue(for: user, role: .student)
        #expect(try await tokens.verifyToken(doomed).sessionID == ended)
        let until = Int64(Date().timeIntervalSince1970) + 600
        tokens.revocations.apply(.session(ended, until: until))
        tokens.revocations.apply(.session(ended, until: until))  // announced again: heard once
        await #expect(throws: APIError.invalidToken) { try await tokens.verify(doomed) }
        #expect(try await tokens.verify(other).userID == user)
        #expect(try await tokens.verify(legacy).userID == user)
        #expect(heard.withLockedValue { $0 } == [.session(ended, until: until)])
        // Kept until its tokens could have expired, then forgotten.
        tokens.revocations.prune(olderThan: 0, now: until)
        #expect(tokens.revocations.isRevoked(session: ended))
        tokens.revocations.prune(olderThan: 0, now: until + 1)
        #expect(!tokens.revocations.isRevoked(session: ended))
    }
}
