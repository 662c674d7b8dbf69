import Foundation
import JSONKit
import Logging
import NIOCore
import Redis
import ServiceLifecycle

/// Keeps a service's `TokenRevocations` in step with every other service's: revocations
/// are stored in the `auth:revoked` hash (user → cutoff second) and the
/// `auth:revoked:sessions` hash (session → until when its tokens could live), and
/// announced on `auth:revocations`. The hashes are read at start, after every reconnect
/// and once a minute (so nothing announced while a subscription was being made is missed
/// for long), and trimmed of entries older than any token that could still be valid.
public struct RevocationFeed: Service {
    static let hash = "auth:revoked"
    static let sessionsHash = "auth:revoked:sessions"
    static let channel = "auth:revocations"

    let redis: RedisClient
    let revocations: TokenRevocations
    let tokenLifetime: Duration
    let logger: Logger
    private let subscriber: RedisSubscriber
    private let reloads: AsyncStream<Void>.Continuation
    private let reloadRequests: AsyncStream<Void>

    public init(redis: RedisClient, tokens: TokenAuthority, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.redis = redis
        self.revocations = tokens.revocations
        self.tokenLifetime = tokens.lifetime
        self.logger = logger
        let (requests, reloads) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.reloadRequests = requests
        self.reloads = reloads
        let revocations = tokens.revocations
        self.subscriber = RedisSubscriber(
            configuration: redis.configuration,
            eventLoopGroup: eventLoopGroup,
            logger: logger,
            channels: [Self.channel]
        ) { event in
            switch event {
            case .message(let message):
                guard let revocation = Self.parse(String(buffer: message.payload)) else { return }
                revocations.apply(revocation)
            case .resubscribed:
                reloads.yield()
            case .disconnected:
                break
            }
        }
    }

    /// Revokes every token `userID` holds now, on every service.
    public func revoke(_ userID: UUID, now: Date = Date()) async throws {
        self.revocations.apply(userID, before: try await Self.revoke(userID, redis: self.redis, now: now))
    }

    /// Stores and announces a revocation (for a process without a feed, such as an admin
    /// command); returns the cutoff.
    @discardableResult
    public static func revoke(_ userID: UUID, redis: RedisClient, now: Date = Date()) async throws -> Int64 {
        let before = TokenRevocations.cutoff(at: now)
        let user = userID.text()
        let replies = try await redis.pipeline([
            RedisCommand("HSET", .string(Self.hash), .string(user), .integer(Int(before))),
            RedisCommand("PUBLISH", .string(Self.channel), .string("\(user) \(before)")),
        ])
        if case .error(let message) = replies.first { throw RedisError.server(message) }
        return before
    }

    /// Revokes every token of `session`, on every service: it ended.
    public func revoke(session: UUID, now: Date = Date()) async throws {
        self.revocations.apply(try await Self.revoke(session: session, tokenLifetime: self.tokenLifetime, redis: self.redis, now: now))
    }

    /// Stores and announces a session's revocation, kept until its last token has expired.
    @discardableResult
    public static func revoke(
        session: UUID,
        tokenLifetime: Duration,
        redis: RedisClient,
        now: Date = Date()
    ) async throws -> TokenRevocations.Revocation {
        let until = Int64(now.timeIntervalSince1970.rounded(.up)) + tokenLifetime.components.seconds + 1
        let id = session.text()
        let replies = try await redis.pipeline([
            RedisCommand("HSET", .string(Self.sessionsHash), .string(id), .integer(Int(until))),
            RedisCommand("PUBLISH", .string(Self.channel), .string("session \(id) \(until)")),
        ])
        if case .error(let message) = replies.first { throw RedisError.server(message) }
        return .session(session, until: until)
    }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask {
                for await _ in self.reloadRequests.cancelOnGracefulShutdown() { await self.reload() }
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                self.reloads.yield()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            }
            self.reloads.finish()
            group.cancelAll()
        }
    }

    /// Reads the hashes (retrying with backoff while Redis is away) and drops stale entries.
    func reload() async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let now = Int64(Date().timeIntervalSince1970)
                let oldest = now - Int64(self.tokenLifetime.components.seconds) - 1
                let replies = try await self.redis.pipeline([
                    RedisCommand("HGETALL", .string(Self.hash)), RedisCommand("HGETALL", .string(Self.sessionsHash)),
                ])
                for reply in replies { if case .error(let message) = reply { throw RedisError.server(message) } }
                let users = Self.pairs(replies[0])
                let sessions = Self.pairs(replies[1])
                for (userID, before) in users where before >= oldest { self.revocations.apply(.user(userID, before: before)) }
                for (session, until) in sessions where until >= now { self.revocations.apply(.session(session, until: until)) }
                let stale = [
                    (Self.hash, users.filter { $0.1 < oldest }.map(\.0)), (Self.sessionsHash, sessions.filter { $0.1 < now }.map(\.0)),
                ].filter { !$0.1.isEmpty }
                if !stale.isEmpty {
                    _ = try await self.redis.pipeline(stale.map { RedisCommand("HDEL", [.string($0.0)] + $0.1.map { .string($0.text()) }) })
                }
                self.revocations.prune(olderThan: oldest, now: now)
                self.revocations.markLoaded()
                return
            } catch {
                self.logger.warning("token revocations unavailable", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// A hash's id → second entries.
    private static func pairs(_ reply: RESPValue) -> [(UUID, Int64)] {
        let fields = reply.array ?? []
        return stride(from: 0, to: fields.count - 1, by: 2).compactMap { index in
            guard let id = fields[index].string.flatMap({ UUID(text: $0) }), let second = fields[index + 1].string.flatMap({ Int64($0) }) else {
                return nil
            }
            return (id, second)
        }
    }

    /// `<user> <before>` or `session <session> <until>`.
    static func parse(_ announcement: String) -> TokenRevocations.Revocation? {
        let parts = announcement.split(separator: " ")
        if parts.count == 3, parts[0] == "session", let session = UUID(text: parts[1]), let until = Int64(parts[2]) {
            return .session(session, until: until)
        }
        guard parts.count == 2, let userID = UUID(text: parts[0]), let before = Int64(parts[1]) else { return nil }
        return .user(userID, before: before)
    }
}
