import EventBus
import Foundation
import JSONKit
import Redis

/// Who others see online, read from the set presence keeps (`PresenceStream.onlineKey`).
/// Nil when Redis cannot say: callers show no one as online rather than fail.
struct OnlineUsers: Sendable {
    let redis: RedisClient

    func all() async -> Set<UUID>? {
        guard let members = try? await self.redis.send("SMEMBERS", .string(PresenceStream.onlineKey)).array else { return nil }
        return Set(members.compactMap { $0.string.flatMap { UUID(text: $0) } })
    }

    func isOnline(_ user: UUID) async -> Bool? {
        try? await self.redis.send("SISMEMBER", .string(PresenceStream.onlineKey), .string(user.text())).int == 1
    }
}
