import ChatModels
import EventBus
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceClients
import ServiceConfiguration

/// Calls in Redis. A call is a hash (its state as JSON and a version); each engaged user and
/// the conversation point at the call while it rings or runs (one call per user and per
/// conversation); deadlines are a sorted set, live calls a set. Every write is one script
/// that checks what it was computed from, so concurrent presence instances never lose a
/// change: a stale one is computed again.
struct CallStore: Sendable {
    let redis: RedisClient
    /// How long a call's keys outlive its last change: a call nobody touches for this long
    /// (presence gone for hours) cannot keep anyone busy forever.
    static let lifetime: Duration = .seconds(6 * 3600)
    /// How long an ended call stays readable, so that late events about it get `call_over`.
    static let endedLifetime: Duration = .seconds(120)

    /// One hash tag, `{calls}`, for every key: a script reads and writes a call, its users,
    /// its conversation and the deadlines together, which a cluster allows in one slot only.
    enum Keys {
        static func call(_ id: UUID) -> String { "{calls}:call:\(id.text())" }
        static func user(_ id: UUID) -> String { "{calls}:user:\(id.text())" }
        static func conversation(_ id: UUID) -> String { "{calls}:conversation:\(id.text())" }
        static let deadlines = "{calls}:deadlines"
        static let live = "{calls}:live"
    }

    /// What creating a call found.
    enum Creation: Equatable {
        case created
        /// Those callees are in other calls: compute the call again without ringing them.
        case busyCallees(Set<Int>)
        /// The conversation, the caller or (direct) the callee is in another call.
        case busy(String)
    }

    /// Stores a new call and makes its engaged users and conversation point at it, if none
    /// of them is in another call, and if exactly the callees `expectedBusy` (their indices
    /// among the callees, from 1) are.
    func create(_ call: CallState, callees: [UUID], expectedBusy: Set<Int>, deadline: Date?) async throws -> Creation {
        let keys =
            [Keys.call(call.id), Keys.deadlines, Keys.live, Keys.conversation(call.conversationId), Keys.user(call.callerId)] + callees.map(Keys.user)
        let arguments = [
            call.id.text(), String(Self.milliseconds(Self.lifetime)), try Self.encode(call),
            deadline.map { String(PresenceStore.milliseconds($0)) } ?? "",
            call.isGroup ? "group" : "direct", expectedBusy.sorted().map(String.init).joined(separator: ","),
        ]
        let reply = try await self.redis.send(Self.eval(CallScripts.create, keys: keys, arguments: arguments)).array ?? []
        switch reply.first?.string {
        case "ok": return .created
        case "retry": return .busyCallees(Set((reply.last?.string ?? "").split(separator: ",").compactMap { Int($0) }))
        default: return .busy(reply.last?.string ?? "")
        }
    }

    /// The call and its version; nil when there is no such call (or it ended long ago).
    func load(_ id: UUID) async throws -> (call: CallState, version: Int)? {
        let reply = try await self.redis.send("HMGET", .string(Keys.call(id)), "v", "s").array ?? []
        guard reply.count == 2, let version = reply[0].int, let json = reply[1].bytes else { return nil }
        return (try ChatJSON.decoder().decode(CallState.self, from: json), version)
    }

    /// Writes `call` over `version`; false when someone changed it since. Users it no longer
    /// engages (and, once it ended, its conversation) stop pointing at it. An ended call's
    /// line goes onto the command stream in the same step, so the messages service stores
    /// it even if this instance dies right after.
    func commit(_ call: CallState, over version: Int, released: Set<UUID>, deadline: Date?) async throws -> Bool {
        let ended = call.status == .ended
        var keys = [Keys.call(call.id), Keys.deadlines, Keys.live, CommandStream.callsKey] + released.map(Keys.user)
        if ended { keys += [Keys.conversation(call.conversationId)] + call.parties.map { Keys.user($0.userId) } }
        let arguments = [
            String(version), try Self.encode(call), String(Self.milliseconds(ended ? Self.endedLifetime : Self.lifetime)),
            deadline.map { String(PresenceStore.milliseconds($0)) } ?? "", call.id.text(), ended ? "1" : "0",
            call.record.map { String(buffer: $0.json) } ?? "", CommandStream.commandField, String(CommandStream.maxLength),
        ]
        return try await self.redis.send(Self.eval(CallScripts.commit, keys: keys, arguments: arguments)).int == 1
    }

    /// Keeps a running call's keys from expiring under it: a call is only written when it
    /// changes, and one that runs longer than `lifetime` without a change (a long tutoring
    /// session) must stay a call, so the sweep refreshes them once half the lifetime is gone.
    func keepAlive(_ call: CallState) async throws {
        let keys = [Keys.call(call.id), Keys.conversation(call.conversationId)] + call.engaged.map(Keys.user)
        _ = try await self.redis.send(
            Self.eval(CallScripts.keepAlive, keys: keys, arguments: [call.id.text(), String(Self.milliseconds(Self.lifetime))])
        )
    }

    /// Calls whose deadline has come, at most `limit`.
    func due(now: Date, limit: Int = 100) async throws -> [UUID] {
        let reply = try await self.redis.send(
            "ZRANGEBYSCORE",
            .string(Keys.deadlines),
            "-inf",
            .integer(PresenceStore.milliseconds(now)),
            "LIMIT",
            0,
            .integer(limit)
        )
        return (reply.array ?? []).compactMap { $0.string.flatMap(UUID.init(uuidString:)) }
    }

    /// Every call ringing or running.
    func live() async throws -> [UUID] {
        (try await self.redis.send("SMEMBERS", .string(Keys.live)).array ?? []).compactMap { $0.string.flatMap(UUID.init(uuidString:)) }
    }

    /// Forgets a call id that has no call behind it any more (its keys expired).
    func forget(_ id: UUID) async throws {
        _ = try await self.redis.pipeline([
            RedisCommand("ZREM", .string(Keys.deadlines), .string(id.text())), RedisCommand("SREM", .string(Keys.live), .string(id.text())),
        ])
    }

    /// Which of the sockets no longer exist, as presence counts connections (a gateway's
    /// report of a disconnect, or the sweep of a dead gateway, removes them).
    func gone(_ sockets: [(user: UUID, endpoint: CallEndpoint)]) async throws -> Set<CallEndpoint> {
        guard !sockets.isEmpty else { return [] }
        let replies = try await self.redis.pipeline(
            sockets.map {
                RedisCommand("SISMEMBER", .string(PresenceKeys.connections($0.user)), .string("\($0.endpoint.gatewayId)|\($0.endpoint.connectionId)"))
            }
        )
        return Set(zip(sockets, replies).filter { $1.int == 0 }.map(\.0.endpoint))
    }

    private static func eval(_ script: String, keys: [String], arguments: [String]) -> RedisCommand {
        RedisCommand("EVAL", [.string(script), .integer(keys.count)] + keys.map(RedisArgument.string) + arguments.map(RedisArgument.string))
    }

    private static func encode(_ call: CallState) throws -> String {
        String(buffer: try ChatJSON.buffer(call))
    }

    private static func milliseconds(_ duration: Duration) -> Int { Int((duration.seconds * 1000).rounded()) }
}

/// The call scripts: each one atomic step, whichever instance runs it.
enum CallScripts {
    /// KEYS: call, deadlines, live, conversation, caller, callees… ARGV: call id, lifetime ms,
    /// state, deadline ms or '', 'direct' or 'group', the callees expected busy ('2,5').
    static let create = """
        if redis.call('EXISTS', KEYS[4]) == 1 then return {'busy', 'conversation'} end
        if redis.call('EXISTS', KEYS[5]) == 1 then return {'busy', 'caller'} end
        local busy = {}
        for i = 6, #KEYS do
            if redis.call('EXISTS', KEYS[i]) == 1 then busy[#busy + 1] = tostring(i - 5) end
        end
        if #busy > 0 and (ARGV[5] == 'direct' or #busy == #KEYS - 5) then return {'busy', 'callee'} end
        local seen = table.concat(busy, ',')
        if seen ~= ARGV[6] then return {'retry', seen} end
        for i = 4, #KEYS do
            if redis.call('EXISTS', KEYS[i]) == 0 then redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
        end
        redis.call('HSET', KEYS[1], 'v', '1', 's', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
        redis.call('SADD', KEYS[3], ARGV[1])
        return {'ok'}
        """

    /// KEYS: call, conversation, engaged users… ARGV: call id, lifetime ms. Returns 1 when it
    /// refreshed (past half the lifetime), 0 otherwise.
    static let keepAlive = """
        if redis.call('PTTL', KEYS[1]) > tonumber(ARGV[2]) / 2 then return 0 end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        for i = 2, #KEYS do
            if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
        end
        return 1
        """

    /// KEYS: call, deadlines, live, the command stream, keys to release… ARGV: version
    /// expected, state, lifetime ms, deadline ms or '', call id, '1' when the call ended, the
    /// call's line as a command or '', the entry's field, the stream's length. Returns 0 on a
    /// stale version.
    static let commit = """
        if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 's', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        if ARGV[4] == '' then redis.call('ZREM', KEYS[2], ARGV[5]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) end
        if ARGV[6] == '1' then redis.call('SREM', KEYS[3], ARGV[5]) end
        if ARGV[7] ~= '' then redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', ARGV[8], ARGV[7]) end
        for i = 5, #KEYS do
            if redis.call('GET', KEYS[i]) == ARGV[5] then redis.call('DEL', KEYS[i]) end
        end
        return 1
        """
}
