import ChatModels
import EventBus
import Foundation
import NIOCore
import Redis
import ServiceKit

/// A change of what others see of a user.
enum StatusChange: Equatable {
    case online
    case offline(lastSeen: Date)
    case none
}

/// What one presence event did: a status change for others to hear of, or whether a
/// typing indicator started or stopped (not a refresh).
enum PresenceEffect: Equatable {
    case status(StatusChange)
    case typing(Bool)
}

/// Presence state in Redis (see `PresenceKeys`); every transition one atomic script or
/// command, so a batch of them goes in one pipeline and Redis applies them in order.
struct PresenceStore: Sendable {
    let redis: RedisClient

    /// A transition and how to read its reply.
    struct Step {
        let command: RedisCommand
        let effect: @Sendable (Int) -> PresenceEffect
    }

    func connected(user: UUID, gateway: String, connection: String) async throws -> StatusChange {
        try await self.status(self.connectStep(user: user, gateway: gateway, connection: connection))
    }

    func disconnected(user: UUID, gateway: String, connection: String, now: Date = Date()) async throws -> StatusChange {
        try await self.status(self.disconnectStep(user: user, gateway: gateway, connection: connection, now: now))
    }

    func setVisible(user: UUID, _ visible: Bool, now: Date = Date()) async throws -> StatusChange {
        try await self.status(self.visibilityStep(user: user, visible, now: now))
    }

    /// Starts, refreshes or stops a typing indicator; true when others should hear of it
    /// (a start or a stop, not a refresh).
    func typing(conversation: UUID, user: UUID, isTyping: Bool, ttl: Duration, now: Date = Date()) async throws -> Bool {
        let step = self.typingStep(conversation: conversation, user: user, isTyping: isTyping, ttl: ttl, now: now)
        return try await step.effect(self.redis.send(step.command).int ?? 0) == .typing(true)
    }

    /// Applies the events in order in one round trip: each one's effect, or an error reply's
    /// text where Redis refused it (it and what follows are not settled by the caller).
    func apply(_ events: [PresenceEvent], typingTTL: Duration, now: Date = Date()) async throws -> [Result<PresenceEffect, RedisError>] {
        let steps = events.map { self.step(for: $0, typingTTL: typingTTL, now: now) }
        let commands = steps.compactMap { $0?.command }
        var replies = try await commands.isEmpty ? [] : self.redis.pipeline(commands)[...]
        return steps.map { step in
            guard let step else { return .success(.status(.none)) }
            let reply = replies.removeFirst()
            if case .error(let message) = reply { return .failure(.server(message)) }
            return .success(step.effect(reply.int ?? 0))
        }
    }

    private func step(for event: PresenceEvent, typingTTL: Duration, now: Date) -> Step? {
        switch event.kind {
        case .connected:
            return self.connectStep(user: event.userId, gateway: event.gatewayId, connection: event.connectionId)
        case .disconnected:
            return self.disconnectStep(user: event.userId, gateway: event.gatewayId, connection: event.connectionId, now: now)
        case .visibility:
            return self.visibilityStep(user: event.userId, event.visible ?? true, now: now)
        case .typing:
            guard let conversation = event.conversationId else { return nil }
            return self.typingStep(conversation: conversation, user: event.userId, isTyping: event.isTyping ?? true, ttl: typingTTL, now: now)
        }
    }

    private func connectStep(user: UUID, gateway: String, connection: String) -> Step {
        Self.script(
            PresenceScripts.connect,
            keys: [
                PresenceKeys.connections(user), PresenceKeys.gateway(gateway), PresenceKeys.hidden, PresenceKeys.closed(connection),
                PresenceKeys.online,
            ],
            arguments: ["\(gateway)|\(connection)", "\(PresenceKeys.member(user))|\(connection)", PresenceKeys.member(user)],
            now: Date()
        )
    }

    /// `sweeping`: the gateway was declared dead, and this clears one of its connections.
    private func disconnectStep(user: UUID, gateway: String, connection: String, now: Date, sweeping: Bool = false) -> Step {
        Self.script(
            PresenceScripts.disconnect,
            keys: [
                PresenceKeys.connections(user), PresenceKeys.gateway(gateway), PresenceKeys.hidden,
                PresenceKeys.closed(connection), PresenceKeys.lastSeen(user), PresenceStream.heartbeatsKey, PresenceKeys.online,
            ],
            arguments: [
                "\(gateway)|\(connection)", "\(PresenceKeys.member(user))|\(connection)", PresenceKeys.member(user), String(Self.milliseconds(now)),
                sweeping ? gateway : "",
            ],
            now: now
        )
    }

    private func visibilityStep(user: UUID, _ visible: Bool, now: Date) -> Step {
        Self.script(
            PresenceScripts.visibility,
            keys: [PresenceKeys.connections(user), PresenceKeys.hidden, PresenceKeys.lastSeen(user), PresenceKeys.online],
            arguments: [PresenceKeys.member(user), visible ? "1" : "0", String(Self.milliseconds(now))],
            now: now
        )
    }

    private func typingStep(conversation: UUID, user: UUID, isTyping: Bool, ttl: Duration, now: Date) -> Step {
        let member = "\(PresenceKeys.member(conversation))|\(PresenceKeys.member(user))"
        guard isTyping else {
            return Step(command: RedisCommand("ZREM", .string(PresenceKeys.typing), .string(member))) { .typing($0 == 1) }
        }
        let expiry = Self.milliseconds(now) + Int(TimeAmount(ttl).nanoseconds / 1_000_000)
        return Step(command: RedisCommand("ZADD", .string(PresenceKeys.typing), .integer(expiry), .string(member))) { .typing($0 == 1) }
    }

    /// A status script: it answers 1 online, 2 offline (as of `now`), anything else no change.
    private static func script(_ script: String, keys: [String], arguments: [String], now: Date) -> Step {
        let command = RedisCommand(
            "EVAL",
            [.string(script), .integer(keys.count)] + keys.map(RedisArgument.string) + arguments.map(RedisArgument.string)
        )
        return Step(command: command) { result in
            switch result {
            case 1: .status(.online)
            case 2: .status(.offline(lastSeen: now))
            default: .status(.none)
            }
        }
    }

    private func status(_ step: Step) async throws -> StatusChange {
        guard case .status(let change) = step.effect(try await self.redis.send(step.command).int ?? 0) else { return .none }
        return change
    }

    /// Typing indicators past their expiry, each returned by the one instance that removed it.
    func expiredTyping(now: Date = Date()) async throws -> [(conversation: UUID, user: UUID)] {
        let due = try await self.redis.send("ZRANGEBYSCORE", .string(PresenceKeys.typing), "-inf", .integer(Self.milliseconds(now)), "LIMIT", 0, 500)
        let members = (due.array ?? []).compactMap(\.string)
        guard !members.isEmpty else { return [] }
        let removed = try await self.redis.pipeline(members.map { RedisCommand("ZREM", .string(PresenceKeys.typing), .string($0)) })
        return zip(members, removed).compactMap { member, removed in
            let parts = member.split(separator: "|")
            guard removed.int == 1, parts.count == 2, let conversation = UUID(uuidString: String(parts[0])),
                let user = UUID(uuidString: String(parts[1]))
            else { return nil }
            return (conversation, user)
        }
    }

    /// Gateways to sweep: silent since `deadline`, or left half-swept by an instance whose
    /// lease ran out. Each is claimed by one instance until `leaseEnd`; `finishSweep` ends it.
    func claimDeadGateways(silentSince deadline: Date, now: Date = Date(), leaseEnd: Date) async throws -> [String] {
        let claimed = try await self.redis.send(
            "EVAL",
            .string(PresenceScripts.claimDeadGateways),
            2,
            .string(PresenceStream.heartbeatsKey),
            .string(PresenceKeys.sweeping),
            .integer(Self.milliseconds(deadline)),
            .integer(Self.milliseconds(now)),
            .integer(Self.milliseconds(leaseEnd)),
            100
        )
        return (claimed.array ?? []).compactMap(\.string)
    }

    /// Clears one connection of a gateway declared dead: its user's status change, or `nil`
    /// if the gateway beats again (it was only slow, and keeps its connections).
    func sweptDisconnect(user: UUID, gateway: String, connection: String, now: Date = Date()) async throws -> StatusChange? {
        let step = self.disconnectStep(user: user, gateway: gateway, connection: connection, now: now, sweeping: true)
        let reply = try await self.redis.send(step.command).int ?? 0
        guard reply != -1 else { return nil }
        guard case .status(let change) = step.effect(reply) else { return StatusChange.none }
        return change
    }

    /// The sweep of a gateway is over; `forget`: its connection set goes too (all cleared).
    func finishSweep(gateway: String, forget: Bool) async throws {
        var commands = [RedisCommand("ZREM", .string(PresenceKeys.sweeping), .string(gateway))]
        if forget { commands.append(RedisCommand("DEL", .string(PresenceKeys.gateway(gateway)))) }
        _ = try await self.redis.pipeline(commands)
    }

    /// The connections a gateway had.
    func connections(onGateway gateway: String) async throws -> [(user: UUID, connection: String)] {
        let members = try await self.redis.send("SMEMBERS", .string(PresenceKeys.gateway(gateway))).array ?? []
        return members.compactMap { member in
            guard let text = member.string else { return nil }
            let parts = text.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, let user = UUID(uuidString: String(parts[0])) else { return nil }
            return (user, String(parts[1]))
        }
    }

    /// Makes the online set agree with every user's connections: those with a connection
    /// (and not hidden) in, the rest out. The status scripts keep it so; this mends what
    /// predates the set (an upgrade) or was lost. Each user is one script, atomic with the
    /// status scripts, so a user connecting meanwhile is never left out. Returns how many
    /// users it put in or took out.
    @discardableResult
    func reconcileOnlineSet() async throws -> Int {
        var users = Set(
            try await self.redis.send("SMEMBERS", .string(PresenceKeys.online)).array?.compactMap { $0.string.flatMap { UUID(uuidString: $0) } } ?? []
        )
        let prefix = PresenceStream.connectionsPrefix
        var cursor = "0"
        repeat {
            var scan = RedisCommand("SCAN", .string(cursor), .string("MATCH"), .string(prefix + "*"), .string("COUNT"), .string("1000"))
            // In a cluster: the node holding presence's slot.
            scan.routingKey = prefix
            let reply = try await self.redis.send(scan).array ?? []
            cursor = reply.first?.string ?? "0"
            for key in reply.dropFirst().first?.array ?? [] {
                if let user = key.string.flatMap({ UUID(uuidString: String($0.dropFirst(prefix.count))) }) { users.insert(user) }
            }
        } while cursor != "0"
        var changed = 0
        let all = Array(users)
        for start in stride(from: 0, to: all.count, by: 500) {
            let replies = try await self.redis.pipeline(
                all[start..<min(start + 500, all.count)].map { user in
                    RedisCommand(
                        "EVAL",
                        .string(PresenceScripts.reconcileOnline),
                        .integer(3),
                        .string(PresenceKeys.connections(user)),
                        .string(PresenceKeys.hidden),
                        .string(PresenceKeys.online),
                        .string(PresenceKeys.member(user))
                    )
                }
            )
            changed += replies.filter { $0.int != 0 }.count
        }
        return changed
    }

    /// What others see of each user.
    func presence(of users: [UUID]) async throws -> [UserPresence] {
        guard !users.isEmpty else { return [] }
        let replies = try await self.redis.pipeline(
            users.flatMap { user in
                [
                    RedisCommand("SCARD", .string(PresenceKeys.connections(user))),
                    RedisCommand("SISMEMBER", .string(PresenceKeys.hidden), .string(PresenceKeys.member(user))),
                    RedisCommand("GET", .string(PresenceKeys.lastSeen(user))),
                ]
            }
        )
        return users.enumerated().map { index, user in
            let online = (replies[index * 3].int ?? 0) > 0 && replies[index * 3 + 1].int != 1
            let lastSeen = replies[index * 3 + 2].int.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            return UserPresence(userId: user, status: online ? .online : .offline, lastSeenAt: online ? nil : lastSeen)
        }
    }

    static func milliseconds(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970 * 1000)
    }
}
