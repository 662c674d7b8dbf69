import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Redis
import SocketIO

/// Connection-state recovery's store: a dropped socket's `RecoveryRecord` under its private
/// id, for the window, in Redis; taken once by whichever gateway the client comes back to.
struct SessionRecovery: Sendable {
    let redis: RedisClient
    let window: Duration
    /// This process's offset origin: fresh at every start, so a restarted gateway's
    /// counter is never mistaken for its predecessor's.
    let origin = SessionID.make()
    let logger: Logger

    /// Most messages replayed to one recovering socket; past it, it starts afresh.
    static let maxReplayed = 1_000

    func save(_ record: RecoveryRecord) async {
        do {
            let json = try JSONEncoder().encode(record)
            let milliseconds = Int(self.window / .milliseconds(1))
            _ = try await self.redis.send("SET", .string(Self.key(record.pid)), .bytes(ByteBuffer(bytes: json)), "PX", .integer(milliseconds))
        } catch {
            self.logger.warning("could not keep a session for recovery", metadata: ["error": "\(error)"])
        }
    }

    /// The record left under `pid` by `user`, removed so it serves once.
    func take(_ pid: String, user: UUID) async -> RecoveryRecord? {
        do {
            let reply = try await self.redis.send("GETDEL", .string(Self.key(pid)))
            guard let bytes = reply.bytes else { return nil }
            let record = try JSONDecoder().decode(RecoveryRecord.self, from: Data(buffer: bytes))
            return record.user == user ? record : nil
        } catch {
            self.logger.warning("could not read a session to recover", metadata: ["error": "\(error)"])
            return nil
        }
    }

    static func key(_ pid: String) -> String { "recovery:" + pid }
}
