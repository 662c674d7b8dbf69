import ChatModels
import Foundation
import Logging
import NIOFoundationCompat
import Redis
import ServiceKit
import ServiceLifecycle

/// Applies what gateways report, from the `presence:events` stream, in order.
struct PresenceConsumer: Service {
    let stream: StreamConsumer
    let store: PresenceStore
    let announcer: PresenceAnnouncer
    let typingTTL: Duration
    let logger: Logger

    func run() async throws {
        await self.stream.run { entries in try await self.process(entries) }
    }

    /// Settles entries in order and stops at the first that failed for a reason that may
    /// pass (Redis, messages away), so that it and those after it are tried again.
    func process(_ entries: [RedisStreamEntry]) async throws -> [String] {
        var settled: [String] = []
        for entry in entries {
            guard let data = entry.fields[PresenceStream.field], let event = try? ChatJSON.decoder().decode(PresenceEvent.self, from: data) else {
                self.logger.error("dropping a malformed presence event", metadata: ["entry": "\(entry.id)"])
                settled.append(entry.id)
                continue
            }
            do {
                try await self.apply(event)
                settled.append(entry.id)
            } catch {
                self.logger.warning("presence event will be retried", metadata: ["entry": "\(entry.id)", "error": "\(error)"])
                break
            }
        }
        return settled
    }

    func apply(_ event: PresenceEvent) async throws {
        switch event.kind {
        case .connected:
            let change = try await self.store.connected(user: event.userId, gateway: event.gatewayId, connection: event.connectionId)
            try await self.announcer.announce(change, of: event.userId)
        case .disconnected:
            let change = try await self.store.disconnected(user: event.userId, gateway: event.gatewayId, connection: event.connectionId)
            try await self.announcer.announce(change, of: event.userId)
        case .visibility:
            let change = try await self.store.setVisible(user: event.userId, event.visible ?? true)
            try await self.announcer.announce(change, of: event.userId)
        case .typing:
            guard let conversation = event.conversationId else { return }
            let isTyping = event.isTyping ?? true
            if try await self.store.typing(conversation: conversation, user: event.userId, isTyping: isTyping, ttl: self.typingTTL) {
                try await self.announcer.typing(isTyping, user: event.userId, conversation: conversation)
            }
        }
    }
}
