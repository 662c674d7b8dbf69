import Foundation
import JSONKit
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

    /// Says that whom these users hear of changed: they share a conversation they did not
    /// before, or a block between them began or ended.
    public func contactsChanged(_ users: [UUID]) async throws {
        guard !users.isEmpty else { return }
        _ = try await self.redis.publish(BusChannel.contacts, .string(users.map { $0.text() }.joined(separator: ",")))
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
