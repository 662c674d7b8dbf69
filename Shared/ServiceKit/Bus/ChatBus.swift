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
        guard !channels.isEmpty else { return }
        let payload = RedisArgument.bytes(try envelope.encoded())
        let replies = try await self.redis.pipeline(channels.map { RedisCommand("PUBLISH", .string($0), payload) })
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failure {
            throw RedisError.server(message)
        }
    }
}
