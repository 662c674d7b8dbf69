import ChatModels
import Foundation
import ServiceClients
import Testing

@testable import PresenceApp

/// The call's transitions, as pure functions of the state, the request and the time.
struct CallStateTests {
    static let limits = CallState.Limits(ringTimeout: .seconds(30), reconnectGrace: .seconds(10), maxParticipants: 3)
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let offer = SessionDescription(type: .offer, sdp: "v=0")
    let caller = UUID()
    let callee = UUID()
    let phone = CallEndpoint(gatewayId: "gw-a", connectionId: "phone")
    let laptop = CallEndpoint(gatewayId: "gw-b", connectionId: "laptop")
    let callerSocket = CallEndpoint(gatewayId: "gw-a", connectionId: "caller")

    func direct() throws -> CallState {
        let request = CallInviteRequest(
            callerId: self.caller,
            endpoint: self.callerSocket,
            conversationId: UUID(),
            isGroup: false,
            members: [self.caller, self.callee],
            media: .video,
            offer: Self.offer
        )
        return try CallState(id: UUID(), request: request, now: Self.start, limits: Self.limits)
    }

    func group(of members: [UUID], busy: Set<UUID> = []) throws -> CallState {
        let request = CallInviteRequest(
            callerId: self.caller,
            endpoint: self.callerSocket,
            conversationId: UUID(),
            isGroup: true,
            members: [self.caller] + members,
            media: .audio,
            offer: nil
        )
        return try CallState(id: UUID(), request: request, busy: busy, now: Self.start, limits: Self.limits)
    }

    @Test func theFirstDeviceToAnswerGetsTheOfferAndTheOthersAreTooLate() throws {
        var call = try self.direct()
        #expect(call.status == .ringing && call.engaged == [self.caller, self.callee])
        #expect(try call.answer(by: self.callee, on: self.phone, limits: Self.limits, now: Self.start + 2) == Self.offer)
        #expect(call.status == .active && call.answeredAt == Self.start + 2 && call.offer == nil)
        #expect(throws: APIError(.callOver, "The call was answered on another device")) {
            try call.answer(by: self.callee, on: self.laptop, limits: Self.limits, now: Self.start + 3)
        }
        // Signals go to the socket in the call, from the socket in the call.
        #expect(try call.route(from: self.caller, on: self.callerSocket, to: self.callee) == self.phone)
        #expect(throws: APIError.self) { try call.route(from: self.callee, on: self.laptop, to: self.caller) }
        #expect(throws: APIError.self) { try call.route(from: self.caller, on: self.callerSocket, to: self.caller) }
        try call.end(by: self.caller, now: Self.start + 60)
        #expect(call.status == .ended && call.endReason == .completed && call.engaged.isEmpty)
    }

    @Test func invitesSayWhatTheyMustCarry() throws {
        let conversation = UUID()
        func request(group: Bool, members: [UUID], offer: SessionDescription?) -> CallInviteRequest {
            CallInviteRequest(
                callerId: self.caller,
                endpoint: self.callerSocket,
                conversationId: conversation,
                isGroup: group,
                members: members,
                media: .audio,
                offer: offer
            )
        }
        #expect(throws: APIError.self) {
            try CallState(
                id: UUID(),
                request: request(group: false, members: [self.caller, self.callee], offer: nil),
                now: Self.start,
                limits: Self.limits
            )
        }
        #expect(throws: APIError.self) {
            try CallState(
                id: UUID(),
                request: request(group: true, members: [self.caller, self.callee], offer: Self.offer),
                now: Self.start,
                limits: Self.limits
            )
        }
        #expect(throws: APIError.self) {
            try CallState(id: UUID(), request: request(group: true, members: [self.caller], offer: nil), now: Self.start, limits: Self.limits)
        }
    }

    @Test func aDeclineEndsADirectCallAndTheCallerHangingUpFirstCancelsIt() throws {
        var declined = try self.direct()
        try declined.decline(by: self.callee, now: Self.start + 1)
        #expect(declined.endReason == .declined)
        var cancelled = try self.direct()
        try cancelled.end(by: self.caller, now: Self.start + 1)
        #expect(cancelled.endReason == .cancelled && cancelled.parties[1].state == .missed)
        #expect(throws: APIError.self) { try cancelled.answer(by: self.callee, on: self.phone, limits: Self.limits, now: Self.start + 2) }
    }

    @Test func ringingRunsOutIntoAMissedCall() throws {
        var call = try self.direct()
        #expect(call.deadline(limits: Self.limits) == Self.start + 30)
        var changed = call.tick(now: Self.start + 29, limits: Self.limits)
        #expect(!changed)
        changed = call.tick(now: Self.start + 30, limits: Self.limits)
        #expect(changed)
        #expect(call.endReason == .missed && call.parties[1].state == .missed && call.deadline(limits: Self.limits) == nil)
    }

    @Test func aSocketGoneIsWaitedForUntilTheGraceEndsAndAResumeKeepsTheCall() throws {
        var call = try self.direct()
        _ = try call.answer(by: self.callee, on: self.phone, limits: Self.limits, now: Self.start + 1)
        var changed = call.lose([self.phone], now: Self.start + 5)
        #expect(changed)
        changed = call.lose([self.phone], now: Self.start + 6)
        #expect(!changed)  // already waited for
        #expect(call.deadline(limits: Self.limits) == Self.start + 15)
        try call.resume(by: self.callee, on: self.laptop)
        #expect(call.deadline(limits: Self.limits) == nil)
        changed = call.tick(now: Self.start + 20, limits: Self.limits)
        #expect(!changed)
        changed = call.lose([self.laptop], now: Self.start + 30)
        #expect(changed)
        changed = call.tick(now: Self.start + 40, limits: Self.limits)
        #expect(changed)
        #expect(call.status == .ended && call.endReason == .disconnected)
    }

    @Test func aGroupCallGoesOnWhileTwoAreInItAndTakesNoMoreThanItMay() throws {
        let members = [UUID(), UUID(), UUID(), UUID()]
        var call = try self.group(of: members)
        _ = try call.answer(by: members[0], on: self.phone, limits: Self.limits, now: Self.start + 1)
        _ = try call.answer(by: members[1], on: self.laptop, limits: Self.limits, now: Self.start + 2)
        #expect(throws: APIError(.callFull, "The call has 3 people already, as many as a call may have")) {
            try call.answer(by: members[2], on: CallEndpoint(gatewayId: "gw", connectionId: "third"), limits: Self.limits, now: Self.start + 3)
        }
        try call.decline(by: members[3], now: Self.start + 4)
        try call.end(by: members[0], now: Self.start + 5)
        #expect(call.status == .active)
        // The ringing ends for the one who never answered; two are still talking.
        let changed = call.tick(now: Self.start + 30, limits: Self.limits)
        #expect(changed)
        #expect(call.status == .active && call.parties[3].state == .missed)
        try call.end(by: self.caller, now: Self.start + 40)
        #expect(call.status == .ended && call.endReason == .completed)
    }

    @Test func aGroupEveryoneDeclinedEndsDeclinedAndBusyMembersDoNotRing() throws {
        let members = [UUID(), UUID()]
        var call = try self.group(of: members, busy: [members[1]])
        #expect(call.parties[2].state == .busy && !call.engaged.contains(members[1]))
        try call.decline(by: members[0], now: Self.start + 1)
        #expect(call.status == .ended && call.endReason == .declined)
    }
}
