import ChatModels
import EventBus
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Redis
import ServiceKit
import ServiceLifecycle

/// Tells presence what happens on this gateway: events go into the `presence:events`
/// stream in batches (what gathered while the last batch was in flight, in one pipeline),
/// and a heartbeat says the gateway is alive. While Redis is away the events wait here (up
/// to a bound, the oldest dropped first) and go out when it is back. A heartbeat that finds
/// the gateway forgotten (declared dead while it was only slow, and its users cleared)
/// reports every live connection again.
final class PresenceReporter: Service, Sendable {
    private static let maxWaiting = 100_000
    private static let maxBatch = 512

    private let redis: RedisClient
    private let gatewayID: String
    private let heartbeatInterval: Duration
    private let logger: Logger
    /// The connections this gateway holds, signed in.
    private let liveConnections: @Sendable () -> [SocketConnection]
    private let waiting = NIOLockedValueBox(CircularBuffer<PresenceEvent>(initialCapacity: 64))
    /// Rung when `waiting` gains an event; one ring stands for any number of them.
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(
        redis: RedisClient,
        gatewayID: String,
        heartbeatInterval: Duration,
        liveConnections: @escaping @Sendable () -> [SocketConnection],
        logger: Logger
    ) {
        self.redis = redis
        self.gatewayID = gatewayID
        self.heartbeatInterval = heartbeatInterval
        self.liveConnections = liveConnections
        self.logger = logger
        (self.doorbell, self.ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// How many connections the user holds on every gateway, as presence counts them; nil
    /// when Redis cannot say within a moment (a connect is then not refused for it, nor
    /// held up while Redis is away).
    func connectionCount(of user: UUID) async -> Int? {
        try? await withTimeout(.milliseconds(300)) { [redis] in
            try await redis.send("SCARD", .string(PresenceStream.connectionsKey(user))).int
        } ?? nil
    }

    func report(_ kind: PresenceEvent.Kind, _ connection: SocketConnection, conversation: UUID? = nil, isTyping: Bool? = nil, visible: Bool? = nil) {
        guard let userID = connection.userID else { return }
        let event = PresenceEvent(
            kind: kind,
            userId: userID,
            gatewayId: self.gatewayID,
            connectionId: connection.engineID,
            conversationId: conversation,
            isTyping: isTyping,
            visible: visible
        )
        self.waiting.withLockedValue { waiting in
            if waiting.count >= Self.maxWaiting { waiting.removeFirst() }
            waiting.append(event)
        }
        self.ring.yield()
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.beat() }
            group.addTask { await self.forward() }
            try? await gracefulShutdown()
            // Sessions report their disconnects as they end; give those a moment to queue.
            try? await Task.sleep(for: .milliseconds(500))
            self.ring.finish()
        }
    }

    private func beat() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Int(Date().timeIntervalSince1970 * 1000)
            do {
                let added = try await self.redis.send("ZADD", .string(PresenceStream.heartbeatsKey), .integer(now), .string(self.gatewayID))
                if added.int == 1 { self.reportLiveConnections() }
            } catch {
                self.logger.debug("presence heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [interval = self.heartbeatInterval] in try await Task.sleep(for: interval) }
        }
    }

    /// The heartbeat was new: the first one, or presence had declared this gateway dead.
    private func reportLiveConnections() {
        let connections = self.liveConnections()
        guard !connections.isEmpty else { return }
        self.logger.warning("presence had forgotten this gateway; reporting its connections again", metadata: ["connections": "\(connections.count)"])
        for connection in connections { self.report(.connected, connection) }
    }

    /// Sends what waits, a batch at a time, retrying a batch that fails until Redis is back
    /// (a few times only once the gateway is shutting down).
    private func forward() async {
        for await _ in self.doorbell { await self.sendWaiting() }
        await self.sendWaiting()
    }

    private func sendWaiting() async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        while true {
            let batch = self.waiting.withLockedValue { waiting in
                (0..<min(waiting.count, Self.maxBatch)).map { _ in waiting.removeFirst() }
            }
            guard !batch.isEmpty else { return }
            let commands = batch.map { event in
                RedisCommand.xadd(PresenceStream.key, fields: [PresenceStream.field: .bytes(event.json)], maxLength: 1_000_000)
            }
            var attempts = 0
            while true {
                do {
                    _ = try await self.redis.pipeline(commands)
                    backoff.reset()
                    break
                } catch {
                    attempts += 1
                    self.logger.warning("presence events wait for Redis", metadata: ["events": "\(commands.count)", "error": "\(error)"])
                    if Task.isCancelled || (Task.isShuttingDownGracefully && attempts >= 3) { return }
                    try? await Task.sleep(for: backoff.next())
                }
            }
        }
    }
}
