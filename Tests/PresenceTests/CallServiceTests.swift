import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import MessagesApp
import MessagesTestSupport
import NIOPosix
import Redis
import ServiceClients
import Testing

@testable import PresenceApp

/// Calls against a real Redis, where concurrent presence instances meet: every change is
/// committed once, over the version it was computed from.
struct CallServiceTests {
    static let limits = CallState.Limits(ringTimeout: .seconds(30), reconnectGrace: .seconds(10), maxParticipants: 4)

    func withCalls(_ body: @escaping @Sendable (CallService) async throws -> Void) async throws {
        try await withTestRedis { redis in
            try await body(
                CallService(store: CallStore(redis: redis), bus: ChatBus(redis: redis), limits: Self.limits, logger: TestEnvironment.logger)
            )
        }
    }

    static func invite(_ caller: UUID, _ callee: UUID, in conversation: UUID = UUID()) -> CallInviteRequest {
        CallInviteRequest(
            callerId: caller,
            endpoint: CallEndpoint(gatewayId: "gw", connectionId: "c-\(caller)"),
            conversationId: conversation,
            isGroup: false,
            members: [caller, callee],
            media: .audio,
            offer: SessionDescription(type: .offer, sdp: "v=0")
        )
    }

    @Test func ofDevicesAnsweringAtOnceExactlyOneGetsTheCall() async throws {
        try await self.withCalls { calls in
            let (caller, callee) = (UUID(), UUID())
            let call = try await calls.invite(Self.invite(caller, callee)).call
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for device in 0..<8 {
                    group.addTask {
                        let command = CallCommand(
                            action: .answer,
                            userId: callee,
                            endpoint: CallEndpoint(gatewayId: "gw", connectionId: "device-\(device)")
                        )
                        do {
                            return try await calls.handle(command, call: call.id).offer != nil
                        } catch let error as APIError where error.code == .callOver {
                            return false
                        }
                    }
                }
                var outcomes: [Bool] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.filter { $0 }.count == 1)
            _ = try await calls.handle(
                CallCommand(action: .end, userId: caller, endpoint: CallEndpoint(gatewayId: "gw", connectionId: "c-\(caller)")),
                call: call.id
            )
        }
    }

    @Test func ofInvitesAtOnceInOneConversationOneRingsAndTheOthersAreBusy() async throws {
        try await self.withCalls { calls in
            let conversation = UUID()
            let people = (0..<6).map { _ in UUID() }
            let callee = UUID()
            let made = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for caller in people {
                    group.addTask {
                        do {
                            return try await calls.invite(Self.invite(caller, callee, in: conversation)).call.id
                        } catch let error as APIError where error.code == .busy {
                            return nil
                        }
                    }
                }
                var made: [UUID] = []
                for try await case let id? in group { made.append(id) }
                return made
            }
            #expect(made.count == 1)
            let id = try #require(made.first)
            _ = try await calls.handle(
                CallCommand(action: .decline, userId: callee, endpoint: CallEndpoint(gatewayId: "gw", connectionId: "x")),
                call: id
            )
            // Declined and released: the conversation and everyone in it are free again.
            let again = try await calls.invite(Self.invite(people[0], callee, in: conversation))
            #expect(again.call.status == .ringing)
            _ = try await calls.handle(
                CallCommand(action: .end, userId: people[0], endpoint: CallEndpoint(gatewayId: "gw", connectionId: "c-\(people[0])")),
                call: again.call.id
            )
        }
    }

    @Test func aCallLongerThanItsKeysLifetimeStaysACall() async throws {
        try await withTestRedis { redis in
            let calls = CallService(store: CallStore(redis: redis), bus: ChatBus(redis: redis), limits: Self.limits, logger: TestEnvironment.logger)
            let (caller, callee, conversation) = (UUID(), UUID(), UUID())
            let call = try await calls.invite(Self.invite(caller, callee, in: conversation)).call
            let device = CallEndpoint(gatewayId: "gw", connectionId: "device")
            _ = try await calls.handle(CallCommand(action: .answer, userId: callee, endpoint: device), call: call.id)
            // Both sockets are alive, as presence counts them, so the sweep changes nothing.
            _ = try await redis.send("SADD", .string(PresenceKeys.connections(caller)), .string("gw|c-\(caller)"))
            _ = try await redis.send("SADD", .string(PresenceKeys.connections(callee)), "gw|device")
            let keys = [
                CallStore.Keys.call(call.id), CallStore.Keys.conversation(conversation), CallStore.Keys.user(caller), CallStore.Keys.user(callee),
            ]
            // Hours into the call, without a change: its keys are about to expire.
            for key in keys { _ = try await redis.send("PEXPIRE", .string(key), 60_000) }
            try await calls.checkSockets()
            let half = Int(CallStore.lifetime.components.seconds) * 1000 / 2
            for key in keys {
                let left = try await redis.send("PTTL", .string(key)).int ?? -2
                #expect(left > half, "\(key) expires in \(left) ms")
            }
            let (kept, _) = try #require(try await calls.store.load(call.id))
            #expect(kept.status == .active)
            _ = try await calls.handle(
                CallCommand(action: .end, userId: caller, endpoint: CallEndpoint(gatewayId: "gw", connectionId: "c-\(caller)")),
                call: call.id
            )
            for key in keys.dropFirst() { #expect(try await redis.send("EXISTS", .string(key)).int == 0) }
            _ = try await redis.send("DEL", .string(PresenceKeys.connections(caller)), .string(PresenceKeys.connections(callee)))
        }
    }
}
