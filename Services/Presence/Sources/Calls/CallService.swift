import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import ServiceClients

/// What presence does with calls: each request, and each tick of time, is a transition of
/// the call's state, committed if nobody changed the call meanwhile (computed again if
/// someone did), then told to everyone in it on every device: `call_state` on the users
/// channel, and a signal to the one socket its addressee is in the call with.
struct CallService: Sendable {
    let store: CallStore
    let bus: ChatBus
    let limits: CallState.Limits
    let logger: Logger

    /// Stale computations tried again before giving up (a call changes a few times a second
    /// at most, so a handful is plenty).
    private static let attempts = 8

    func invite(_ request: CallInviteRequest, now: Date = Date()) async throws -> CallAck {
        var seen = Set<UUID>()
        let callees = request.members.filter { $0 != request.callerId && seen.insert($0).inserted }
        var request = request
        request.members = [request.callerId] + callees
        let id = UUID()
        var busy = Set<Int>()
        for _ in 0..<Self.attempts {
            let call = try CallState(id: id, request: request, busy: Set(busy.map { callees[$0 - 1] }), now: now, limits: self.limits)
            switch try await self.store.create(call, callees: callees, expectedBusy: busy, deadline: call.deadline(limits: self.limits)) {
            case .created:
                try await self.tell(call)
                return CallAck(call: call.info)
            case .busyCallees(let found):
                busy = found
            case .busy(let who):
                throw APIError(
                    .busy,
                    who == "conversation"
                        ? "There is a call in this conversation already" : who == "caller" ? "You are in another call" : "They are in another call"
                )
            }
        }
        throw APIError.unavailable("Calls are busy, try again")
    }

    func handle(_ command: CallCommand, call id: UUID, now: Date = Date()) async throws -> CallAck {
        if command.action == .signal {
            guard let signal = command.signal, let recipient = signal.to else { throw APIError.validation("Say whom the signal is for", field: "to") }
            guard let (call, _) = try await self.store.load(id) else { throw Self.noSuchCall }
            let target = try call.route(from: command.userId, on: command.endpoint, to: recipient)
            try await self.relay(
                CallSignal(callId: id, from: command.userId, description: signal.description, candidate: signal.candidate),
                to: recipient,
                at: target
            )
            return CallAck(call: call.info)
        }
        var offer: SessionDescription?
        let call = try await self.update(id, now: now) { call throws(APIError) in
            switch command.action {
            case .answer: offer = try call.answer(by: command.userId, on: command.endpoint, limits: self.limits, now: now)
            case .decline: try call.decline(by: command.userId, now: now)
            case .end: try call.end(by: command.userId, now: now)
            case .resume: try call.resume(by: command.userId, on: command.endpoint)
            case .media:
                guard let audio = command.audio, let video = command.video else { throw APIError.validation("Give 'audio' and 'video'") }
                try call.setMedia(of: command.userId, on: command.endpoint, audio: audio, video: video)
            case .signal: break
            }
            return true
        }
        return CallAck(call: call.info, offer: offer)
    }

    /// Moves every call whose time has come: ringing past its time, graces run out.
    func tick(now: Date = Date()) async throws {
        for id in try await self.store.due(now: now) {
            do {
                _ = try await self.update(id, now: now) { call in call.tick(now: now, limits: self.limits) }
            } catch let error as APIError where error.code == .notFound {
                try await self.store.forget(id)
            }
        }
    }

    /// Starts the grace of every party whose socket is gone (closed, or on a gateway found
    /// dead), found by asking presence's own record of connections; keeps long calls' keys.
    func checkSockets(now: Date = Date()) async throws {
        for id in try await self.store.live() {
            guard let (call, _) = try await self.store.load(id) else {
                try await self.store.forget(id)
                continue
            }
            if call.status != .ended { try await self.store.keepAlive(call) }
            let sockets = call.parties.compactMap { party in
                party.state == .joined && party.goneSince == nil ? party.endpoint.map { (party.userId, $0) } : nil
            }
            let gone = try await self.store.gone(sockets)
            guard !gone.isEmpty else { continue }
            _ = try await self.update(id, now: now) { call in call.lose(gone, now: now) }
        }
    }

    /// Applies `change` to the call until it commits over the version it was computed from;
    /// tells everyone in it when it changed anything.
    private func update(_ id: UUID, now: Date, _ change: (inout CallState) throws(APIError) -> Bool) async throws -> CallState {
        for _ in 0..<Self.attempts {
            guard let (current, version) = try await self.store.load(id) else { throw Self.noSuchCall }
            var call = current
            guard try change(&call) else { return call }
            let released = current.engaged.subtracting(call.engaged)
            if try await self.store.commit(call, over: version, released: released, deadline: call.deadline(limits: self.limits)) {
                try await self.tell(call)
                if call.status == .ended {
                    self.logger.info("call ended", metadata: ["call.id": "\(id)", "reason": "\(call.endReason?.rawValue ?? "")"])
                }
                return call
            }
        }
        throw APIError.unavailable("The call is changing too fast, try again")
    }

    private static let noSuchCall = APIError(.notFound, "No such call")

    /// `call_state` to every device of everyone the call concerns.
    private func tell(_ call: CallState) async throws {
        let envelope = BusEnvelope(event: .callState, audience: call.parties.map(\.userId), data: try ChatJSON.buffer(call.info))
        try await self.bus.publish(envelope, to: [BusChannel.users])
    }

    private func relay(_ signal: CallSignal, to recipient: UUID, at endpoint: CallEndpoint) async throws {
        let envelope = BusEnvelope(
            event: .callPeerSignal,
            audience: [recipient],
            connection: endpoint.connectionId,
            data: try ChatJSON.buffer(signal)
        )
        try await self.bus.publish(envelope, to: [BusChannel.users])
    }
}
