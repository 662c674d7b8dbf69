import ChatModels
import EventBus
import Foundation
import JSONKit
import ServiceClients
import ServiceConfiguration

/// A call as presence keeps it: who is in it, on which socket, and when it must move on by
/// itself. Every change is a transition here, a pure function of the state, the request
/// and the time; `CallStore` commits it only if nobody changed the call meanwhile, so any
/// presence instance may handle any event of any call.
struct CallState: Codable, Sendable {
    var id: UUID
    var conversationId: UUID
    var media: CallMedia
    var isGroup: Bool
    var callerId: UUID
    var status: CallStatus
    var startedAt: Date
    var answeredAt: Date?
    var endedAt: Date?
    var endReason: CallEndReason?
    /// Who has not answered by then has missed it.
    var ringsUntil: Date
    /// The caller first.
    var parties: [Party]
    /// A direct call's offer, kept for whichever of the callee's devices answers.
    var offer: SessionDescription?

    struct Party: Codable, Sendable {
        var userId: UUID
        var state: CallPartyState
        /// The one socket the party is in the call with, while joined.
        var endpoint: CallEndpoint?
        var audio: Bool
        var video: Bool
        /// Since when the party's socket has been gone; the party leaves when the grace runs
        /// out unless a socket of theirs resumes the call.
        var goneSince: Date?
    }

    /// How long calls ring, how long a vanished socket is waited for, how many may join.
    struct Limits: Sendable {
        var ringTimeout: Duration
        var reconnectGrace: Duration
        var maxParticipants: Int
    }

    /// A new call from `request`, ringing everyone else in the conversation; the caller is in
    /// it already. `busy`: members who are in another call, who do not ring.
    init(id: UUID, request: CallInviteRequest, busy: Set<UUID> = [], now: Date, limits: Limits) throws(APIError) {
        let callees = request.members.filter { $0 != request.callerId }
        guard !callees.isEmpty else { throw .validation("There is nobody else in this conversation to call") }
        if request.isGroup {
            guard request.offer == nil else {
                throw .validation("A group call's invite carries no offer: each who joins makes theirs", field: "offer")
            }
        } else {
            guard request.offer != nil else { throw .validation("A direct call's invite carries the caller's offer", field: "offer") }
        }
        self.id = id
        self.conversationId = request.conversationId
        self.media = request.media
        self.isGroup = request.isGroup
        self.callerId = request.callerId
        self.status = .ringing
        self.startedAt = now
        self.ringsUntil = now + limits.ringTimeout.seconds
        self.offer = request.offer
        let video = request.media == .video
        self.parties =
            [Party(userId: request.callerId, state: .joined, endpoint: request.endpoint, audio: true, video: video)]
            + callees.map { Party(userId: $0, state: busy.contains($0) ? .busy : .ringing, audio: true, video: video) }
    }

    // MARK: Transitions

    /// `user` answers on `endpoint`: they join, and get the caller's offer in a direct call.
    mutating func answer(by user: UUID, on endpoint: CallEndpoint, limits: Limits, now: Date) throws(APIError) -> SessionDescription? {
        let index = try self.party(user)
        guard self.parties[index].state == .ringing else {
            throw self.parties[index].state == .joined
                ? APIError(.callOver, "The call was answered on another device") : APIError(.callOver, "This call is not ringing for you any more")
        }
        guard self.joined.count < limits.maxParticipants else {
            throw APIError(.callFull, "The call has \(limits.maxParticipants) people already, as many as a call may have")
        }
        self.parties[index].state = .joined
        self.parties[index].endpoint = endpoint
        self.status = .active
        self.answeredAt = self.answeredAt ?? now
        defer { self.offer = nil }
        return self.offer
    }

    /// `user` declines: their devices stop ringing; a direct call ends.
    mutating func decline(by user: UUID, now: Date) throws(APIError) {
        let index = try self.party(user)
        guard self.parties[index].state == .ringing else { throw APIError(.callOver, "This call is not ringing for you any more") }
        self.parties[index].state = .declined
        self.settle(now: now)
    }

    /// `user` hangs up (or, while their devices ring, declines). The caller hanging up
    /// before anyone answered cancels the call.
    mutating func end(by user: UUID, now: Date) throws(APIError) {
        let index = try self.party(user)
        switch self.parties[index].state {
        case .ringing:
            return try self.decline(by: user, now: now)
        case .joined:
            self.parties[index].state = .left
            self.parties[index].endpoint = nil
            if self.status == .ringing { return self.finish(.cancelled, now: now) }
            self.settle(now: now)
        case .declined, .missed, .busy, .left:
            throw APIError(.callOver, "You are not in this call any more")
        }
    }

    /// After a reconnect: the call goes on with `user` on the socket `endpoint`.
    mutating func resume(by user: UUID, on endpoint: CallEndpoint) throws(APIError) {
        let index = try self.party(user)
        guard self.parties[index].state == .joined else { throw APIError(.callOver, "You are not in this call any more") }
        self.parties[index].endpoint = endpoint
        self.parties[index].goneSince = nil
    }

    /// `user`'s microphone and camera, from the socket they are in the call with.
    mutating func setMedia(of user: UUID, on endpoint: CallEndpoint, audio: Bool, video: Bool) throws(APIError) {
        let index = try self.inCall(user, on: endpoint)
        self.parties[index].audio = audio
        self.parties[index].video = video
    }

    /// Where a signal from `user` on `endpoint` to `recipient` goes: the one socket the
    /// recipient is in the call with. Both must be in it.
    func route(from user: UUID, on endpoint: CallEndpoint, to recipient: UUID) throws(APIError) -> CallEndpoint {
        _ = try self.inCall(user, on: endpoint)
        guard let target = self.parties.first(where: { $0.userId == recipient && $0.state == .joined })?.endpoint, recipient != user else {
            throw APIError(.notInCall, "The person signalled is not in this call")
        }
        return target
    }

    /// The sockets that no longer exist: their parties are waited for until the grace ends.
    mutating func lose(_ gone: Set<CallEndpoint>, now: Date) -> Bool {
        var changed = false
        for index in self.parties.indices where self.parties[index].state == .joined && self.parties[index].goneSince == nil {
            guard let endpoint = self.parties[index].endpoint, gone.contains(endpoint) else { continue }
            self.parties[index].goneSince = now
            changed = true
        }
        return changed
    }

    /// What time does by itself: ringing past its time is missed, a socket gone past the
    /// grace leaves. Returns whether anything changed.
    mutating func tick(now: Date, limits: Limits) -> Bool {
        guard self.status != .ended else { return false }
        var changed = false
        var disconnected = false
        for index in self.parties.indices {
            if self.parties[index].state == .ringing, now >= self.ringsUntil {
                self.parties[index].state = .missed
                changed = true
            }
            if self.parties[index].state == .joined, let since = self.parties[index].goneSince, now >= since + limits.reconnectGrace.seconds {
                self.parties[index].state = .left
                self.parties[index].endpoint = nil
                changed = true
                disconnected = true
            }
        }
        if changed {
            if disconnected && self.status == .ringing && self.parties.first?.state == .left {
                self.finish(.cancelled, now: now)
            } else {
                self.settle(now: now, disconnected: disconnected)
            }
        }
        return changed
    }

    /// Ends the call once nobody could still talk: fewer than two are in it and nobody rings
    /// (or nobody is in it at all).
    private mutating func settle(now: Date, disconnected: Bool = false) {
        let joined = self.joined.count
        let ringing = self.parties.contains { $0.state == .ringing }
        guard joined == 0 || (joined == 1 && !ringing) else { return }
        if self.answeredAt != nil {
            self.finish(disconnected ? .disconnected : .completed, now: now)
        } else if self.parties.dropFirst().allSatisfy({ $0.state == .declined || $0.state == .busy }) {
            self.finish(.declined, now: now)
        } else {
            self.finish(disconnected ? .cancelled : .missed, now: now)
        }
    }

    private mutating func finish(_ reason: CallEndReason, now: Date) {
        for index in self.parties.indices {
            switch self.parties[index].state {
            case .ringing: self.parties[index].state = .missed
            case .joined: self.parties[index].state = .left
            case .declined, .missed, .busy, .left: break
            }
            self.parties[index].endpoint = nil
            self.parties[index].goneSince = nil
        }
        self.status = .ended
        self.endReason = reason
        self.endedAt = now
        self.offer = nil
    }

    // MARK: Reading

    private func party(_ user: UUID) throws(APIError) -> Int {
        guard self.status != .ended else { throw APIError(.callOver, "The call is over") }
        guard let index = self.parties.firstIndex(where: { $0.userId == user }) else { throw APIError(.notInCall, "You are not in this call") }
        return index
    }

    private func inCall(_ user: UUID, on endpoint: CallEndpoint) throws(APIError) -> Int {
        let index = try self.party(user)
        guard self.parties[index].state == .joined, self.parties[index].endpoint == endpoint else {
            throw APIError(.notInCall, "Only the socket you are in the call with does this")
        }
        return index
    }

    var joined: [Party] { self.parties.filter { $0.state == .joined } }

    /// Whoever the call keeps busy: those it rings and those in it.
    var engaged: Set<UUID> { Set(self.parties.filter { $0.state == .ringing || $0.state == .joined }.map(\.userId)) }

    /// When time must next look at the call: the end of the ringing, or of a grace.
    func deadline(limits: Limits) -> Date? {
        guard self.status != .ended else { return nil }
        var next: Date? = self.parties.contains { $0.state == .ringing } ? self.ringsUntil : nil
        for party in self.parties where party.state == .joined {
            guard let since = party.goneSince else { continue }
            let end = since + limits.reconnectGrace.seconds
            next = min(next ?? end, end)
        }
        return next
    }

    /// The call as its parties see it.
    var info: CallInfo {
        CallInfo(
            id: self.id,
            conversationId: self.conversationId,
            media: self.media,
            status: self.status,
            callerId: self.callerId,
            startedAt: self.startedAt,
            answeredAt: self.answeredAt,
            endedAt: self.endedAt,
            endReason: self.endReason,
            participants: self.parties.map { CallParticipant(userId: $0.userId, state: $0.state, audio: $0.audio, video: $0.video) }
        )
    }

    /// The line an ended call leaves in its conversation, as its caller's: answered with
    /// how long it ran, declined, or missed (a caller who hung up while it rang missed
    /// nobody but the callee, who sees a missed call, as on a phone).
    var record: SendMessageCommand? {
        guard self.status == .ended, let endedAt = self.endedAt else { return nil }
        let outcome: CallRecord.Outcome =
            self.answeredAt != nil ? .answered : self.endReason == .declined ? .declined : .missed
        let record = CallRecord(
            callId: self.id,
            media: self.media,
            outcome: outcome,
            durationSeconds: self.answeredAt.map { max(0, Int(endedAt.timeIntervalSince($0).rounded())) }
        )
        return SendMessageCommand(
            requestId: record.clientMessageId,
            senderId: self.callerId,
            conversationId: self.conversationId,
            content: record.summary,
            messageType: .call,
            clientMessageId: record.clientMessageId,
            call: record
        )
    }
}
