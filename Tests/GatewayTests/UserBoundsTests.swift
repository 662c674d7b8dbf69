import ChatModels
import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import GatewayApp

@Suite struct UserBoundsTests {
    @Test func aUserGetsABurstThenARateAndOthersAreUntouched() throws {
        let allowances = UserAllowances(burst: 3, perSecond: 2)
        let (ada, bob) = (UUID(), UUID())
        let start = NIODeadline.now()
        for _ in 0..<3 { try allowances.admit(ada, now: start) }
        do {
            try allowances.admit(ada, now: start)
            Issue.record("a fourth request at once was admitted")
        } catch {
            #expect(error.status == .tooManyRequests && error.code == .rateLimited && error.retryAfter == 1)
        }
        try allowances.admit(bob, now: start)
        try allowances.admit(ada, now: start + .milliseconds(500))  // one refilled
        #expect(throws: APIError.self) { try allowances.admit(ada, now: start + .milliseconds(500)) }
    }

    @Test func aFullTableForgetsIdleUsersFirst() throws {
        let allowances = UserAllowances(burst: 1, perSecond: 1, capacity: 2)
        let (busy, idle, new) = (UUID(), UUID(), UUID())
        let start = NIODeadline.now()
        try allowances.admit(busy, now: start + .seconds(9))
        try allowances.admit(idle, now: start)
        try allowances.admit(new, now: start + .seconds(9))  // idle's bucket is full again: it goes
        #expect(throws: APIError.self) { try allowances.admit(busy, now: start + .seconds(9)) }
    }

    @Test func membershipIsRememberedForAMinute() {
        let memberships = Memberships(capacity: 2, lifetime: .seconds(60))
        let (user, conversation) = (UUID(), UUID())
        let now = ContinuousClock.now
        #expect(!memberships.isKnownMember(user, of: conversation, now: now))
        memberships.remember(user, of: conversation, now: now)
        #expect(memberships.isKnownMember(user, of: conversation, now: now + .seconds(59)))
        #expect(!memberships.isKnownMember(user, of: conversation, now: now + .seconds(61)))
        #expect(!memberships.isKnownMember(UUID(), of: conversation, now: now))
        memberships.remember(UUID(), of: conversation, now: now)
        memberships.remember(UUID(), of: conversation, now: now)  // full: starts over
        #expect(!memberships.isKnownMember(user, of: conversation, now: now))
    }
}
