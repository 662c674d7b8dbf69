import Foundation
import JSONKit
import Redis

/// Who others see online, read from the set presence keeps (`PresenceStream.onlineKey`).
/// Nil when Redis cannot say: callers show no one as online rather than fail.
public struct OnlineUsers: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public func all() async -> Set<UUID>? {
        guard let members = try? await self.redis.send("SMEMBERS", .string(PresenceStream.onlineKey)).array else { return nil }
        return Set(members.compactMap { $0.string.flatMap { UUID(text: $0) } })
    }

    public func isOnline(_ user: UUID) async -> Bool? {
        try? await self.redis.send("SISMEMBER", .string(PresenceStream.onlineKey), .string(user.text())).int == 1
    }

    /// Those of `users` online now, in one round trip.
    public func online(among users: [UUID]) async -> [UUID]? {
        guard !users.isEmpty else { return [] }
        let command = RedisCommand("SMISMEMBER", [.string(PresenceStream.onlineKey)] + users.map { .string($0.text()) })
        guard let flags = try? await self.redis.send(command).array, flags.count == users.count else { return nil }
        return zip(users, flags).compactMap { user, flag in flag.int == 1 ? user : nil }
    }
}
