import Foundation
import NIOCore
import Redis

/// Publishes events for the gateways to deliver.
public struct ChatBus: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// Publishes one event to several channels in one pipelined write.
    public func publish(_ envelope: BusEnvelope, to channels: [String]) async throws {
        try await self.publish([(envelope, channels)])
    }

    /// Publishes several events, each to its channels, in one pipelined write.
    public func publish(_ batch: [(envelope: BusEnvelope, channels: [String])]) async throws {
        var commands: [RedisCommand] = []
        for (envelope, channels) in batch where !channels.isEmpty {
            let payload = RedisArgument.bytes(try envelope.encoded())
            commands += channels.map { RedisCommand("PUBLISH", .string($0), payload) }
        }
        guard !commands.isEmpty else { return }
        let replies = try await self.redis.pipeline(commands)
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failure {
            throw RedisError.server(message)
        }
    }
}
