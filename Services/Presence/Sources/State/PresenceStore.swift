import ChatModels
import Foundation
import Redis
import ServiceKit

/// A change of what others see of a user.
enum StatusChange: Equatable {
    case online
    case offline(lastSeen: Date)
    case none
}

/// Presence state in Redis (see `PresenceKeys`); every transition one atomic script.
struct PresenceStore: Sendable {
    let redis: RedisClient

    func connected(user: UUID, gateway: String, connection: String) async throws -> StatusChange {
        let result = try await self.eval(
            PresenceScripts.connect,
            keys: [PresenceKeys.connections(user), PresenceKeys.gateway(gateway), PresenceKeys.hidden, PresenceKeys.closed(connection)],
            arguments: ["\(gateway)|\(connection)", "\(PresenceKeys.member(user))|\(connection)", PresenceKeys.member(user)]
        )
        return self.change(result, now: Date())
    }

    func disconnected(user: UUID, gateway: String, connection: String, now: Date = Date()) async throws -> StatusChange {
        let result = try await self.eval(
            PresenceScripts.disconnect,
            keys: [
                PresenceKeys.connections(user), PresenceKeys.gateway(gateway), PresenceKeys.hidden,
                PresenceKeys.closed(connection), PresenceKeys.lastSeen(user),
            ],
            arguments: ["\(gateway)|\(connection)", "\(PresenceKeys.member(user))|\(connection)", PresenceKeys.member(user), String(Self.milliseconds(now))]
        )
        return self.change(result, now: now)
    }

    func setVisible(user: UUID, _ visible: Bool, now: Date = Date()) async throws -> StatusChange {
        let result = try await self.eval(
            PresenceScripts.visibility,
            keys: [PresenceKeys.connections(user), PresenceKeys.hidden, PresenceKeys.lastSeen(user)],
            arguments: [PresenceKeys.member(user), visible ? "1" : "0", String(Self.milliseconds(now))]
        )
        return self.change(result, now: now)
    }

    /// Starts, refreshes or stops a typing indicator; true when others should hear of it
    /// (a start or a stop, not a refresh).
    func typing(conversation: UUID, user: UUID, isTyping: Bool, ttl: Duration, now: Date = Date()) async throws -> Bool {
        let member = "\(PresenceKeys.member(conversation))|\(PresenceKeys.member(user))"
        if isTyping {
            let expiry = Self.milliseconds(now) + Int(ttl.components.seconds * 1000) + Int(ttl.components.attoseconds / 1_000_000_000_000_000)
            return try await self.redis.send("ZADD", .string(PresenceKeys.typing), .integer(expiry), .string(member)).int == 1
        }
        return try await self.redis.send("ZREM", .string(PresenceKeys.typing), .string(member)).int == 1
    }

    /// Typing indicators past their expiry, each returned by the one instance that removed it.
    func expiredTyping(now: Date = Date()) async throws -> [(conversation: UUID, user: UUID)] {
        let due = try await self.redis.send("ZRANGEBYSCORE", .string(PresenceKeys.typing), "-inf", .integer(Self.milliseconds(now)), "LIMIT", 0, 500)
        let members = (due.array ?? []).compactMap(\.string)
        guard !members.isEmpty else { return [] }
        let removed = try await self.redis.pipeline(members.map { RedisCommand("ZREM", .string(PresenceKeys.typing), .string($0)) })
        return zip(members, removed).compactMap { member, removed in
            let parts = member.split(separator: "|")
            guard removed.int == 1, parts.count == 2, let conversation = UUID(uuidString: String(parts[0])), let user = UUID(uuidString: String(parts[1])) else { return nil }
            return (conversation, user)
        }
    }

    /// Gateways whose heartbeat is older than `deadline`, each returned by the one instance that removed it.
    func deadGateways(silentSince deadline: Date) async throws -> [String] {
        let due = try await self.redis.send("ZRANGEBYSCORE", .string(PresenceStream.heartbeatsKey), "-inf", .integer(Self.milliseconds(deadline)), "LIMIT", 0, 100)
        let gateways = (due.array ?? []).compactMap(\.string)
        guard !gateways.isEmpty else { return [] }
        let removed = try await self.redis.pipeline(gateways.map { RedisCommand("ZREM", .string(PresenceStream.heartbeatsKey), .string($0)) })
        return zip(gateways, removed).compactMap { $1.int == 1 ? $0 : nil }
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

    func forget(gateway: String) async throws {
        _ = try await self.redis.send("DEL", .string(PresenceKeys.gateway(gateway)))
    }

    /// What others see of each user.
    func presence(of users: [UUID]) async throws -> [UserPresence] {
        guard !users.isEmpty else { return [] }
        let replies = try await self.redis.pipeline(users.flatMap { user in
            [
                RedisCommand("SCARD", .string(PresenceKeys.connections(user))),
                RedisCommand("SISMEMBER", .string(PresenceKeys.hidden), .string(PresenceKeys.member(user))),
                RedisCommand("GET", .string(PresenceKeys.lastSeen(user))),
            ]
        })
        return users.enumerated().map { index, user in
            let online = (replies[index * 3].int ?? 0) > 0 && replies[index * 3 + 1].int != 1
            let lastSeen = replies[index * 3 + 2].int.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            return UserPresence(userId: user, status: online ? .online : .offline, lastSeenAt: online ? nil : lastSeen)
        }
    }

    private func eval(_ script: String, keys: [String], arguments: [String]) async throws -> Int {
        let command = RedisCommand("EVAL", [.string(script), .integer(keys.count)] + keys.map(RedisArgument.string) + arguments.map(RedisArgument.string))
        return try await self.redis.send(command).int ?? 0
    }

    private func change(_ result: Int, now: Date) -> StatusChange {
        switch result {
        case 1: .online
        case 2: .offline(lastSeen: now)
        default: .none
        }
    }

    static func milliseconds(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970 * 1000)
    }
}
