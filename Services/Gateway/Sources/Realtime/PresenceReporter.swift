import ChatModels
import Foundation
import Logging
import NIOCore
import Redis
import ServiceKit
import ServiceLifecycle

/// Tells presence what happens on this gateway: events go into the `presence:events`
/// stream in batches, and a heartbeat says the gateway is alive. While Redis is away the
/// events wait here (up to a bound) and go out when it is back.
final class PresenceReporter: Service, Sendable {
    private let redis: RedisClient
    private let gatewayID: String
    private let heartbeatInterval: Duration
    private let logger: Logger
    private let events: AsyncStream<PresenceEvent>
    private let input: AsyncStream<PresenceEvent>.Continuation

    init(redis: RedisClient, gatewayID: String, heartbeatInterval: Duration, logger: Logger) {
        self.redis = redis
        self.gatewayID = gatewayID
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
        (self.events, self.input) = AsyncStream.makeStream(of: PresenceEvent.self, bufferingPolicy: .bufferingNewest(100_000))
    }

    func report(_ kind: PresenceEvent.Kind, _ connection: SocketConnection, conversation: UUID? = nil, isTyping: Bool? = nil, visible: Bool? = nil) {
        guard let userID = connection.userID else { return }
        self.input.yield(PresenceEvent(
            kind: kind, userId: userID, gatewayId: self.gatewayID, connectionId: connection.engineID,
            conversationId: conversation, isTyping: isTyping, visible: visible
        ))
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.beat() }
            group.addTask { await self.forward() }
            try? await gracefulShutdown()
            // Sessions report their disconnects as they end; give those a moment to queue.
            try? await Task.sleep(for: .milliseconds(500))
            self.input.finish()
        }
    }

    private func beat() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Int(Date().timeIntervalSince1970 * 1000)
            do {
                _ = try await self.redis.send("ZADD", .string(PresenceStream.heartbeatsKey), .integer(now), .string(self.gatewayID))
            } catch {
                self.logger.debug("presence heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [interval = self.heartbeatInterval] in try await Task.sleep(for: interval) }
        }
    }

    /// Sends each event in turn, retrying one that fails until Redis is back (a few times
    /// only once the gateway is shutting down).
    private func forward() async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        for await event in self.events {
            guard let json = try? ChatJSON.encoder().encode(event) else { continue }
            var attempts = 0
            while true {
                do {
                    try await self.redis.xadd(PresenceStream.key, fields: [PresenceStream.field: .bytes(ByteBuffer(bytes: json))], maxLength: 1_000_000)
                    backoff.reset()
                    break
                } catch {
                    attempts += 1
                    self.logger.warning("a presence event waits for Redis", metadata: ["error": "\(error)"])
                    if Task.isCancelled || (Task.isShuttingDownGracefully && attempts >= 3) { break }
                    try? await Task.sleep(for: backoff.next())
                }
            }
        }
    }
}
