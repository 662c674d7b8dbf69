import Foundation
import JSONKit
import Logging
import NIOCore
import Redis
import ServiceLifecycle

/// Keeps a service's `TokenRevocations` in step with every other service's: revocations
/// are stored in the `auth:revoked` hash (user → cutoff second) and announced on
/// `auth:revocations`. The hash is read at start, after every reconnect and once a
/// minute (so nothing announced while a subscription was being made is missed for long),
/// and trimmed of cutoffs older than any token that could still be valid.
public struct RevocationFeed: Service {
    static let hash = "auth:revoked"
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
                guard let (userID, before) = Self.parse(String(buffer: message.payload)) else { return }
                revocations.apply(userID, before: before)
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

    /// Reads the hash (retrying with backoff while Redis is away) and drops stale entries.
    func reload() async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let oldest = Int64(Date().timeIntervalSince1970) - Int64(self.tokenLifetime.components.seconds) - 1
                let fields = try await self.redis.send("HGETALL", .string(Self.hash)).array ?? []
                var stale: [RedisArgument] = []
                for index in stride(from: 0, to: fields.count - 1, by: 2) {
                    guard let user = fields[index].string, let userID = UUID(text: user), let before = fields[index + 1].string.flatMap({ Int64($0) })
                    else { continue }
                    if before < oldest { stale.append(.string(user)) } else { self.revocations.apply(userID, before: before) }
                }
                if !stale.isEmpty { _ = try await self.redis.send(RedisCommand("HDEL", [.string(Self.hash)] + stale)) }
                self.revocations.prune(olderThan: oldest)
                self.revocations.markLoaded()
                return
            } catch {
                self.logger.warning("token revocations unavailable", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    static func parse(_ announcement: String) -> (UUID, Int64)? {
        let parts = announcement.split(separator: " ")
        guard parts.count == 2, let userID = UUID(text: parts[0]), let before = Int64(parts[1]) else { return nil }
        return (userID, before)
    }
}
