import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import NIOConcurrencyHelpers
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
    /// Effects whose announcement failed, by entry: the entry is offered again, and its
    /// transition, already applied, would now read as no change.
    let unannounced = NIOLockedValueBox<[String: PresenceEffect]>([:])

    func run() async throws {
        await self.stream.run { entries in try await self.process(entries) }
    }

    /// Applies the entries' transitions in one Redis round trip, then announces what changed,
    /// in order. Stops at the first announcement that failed for a reason that may pass
    /// (messages away), keeping its effect and those after it for when they are offered again.
    func process(_ entries: [RedisStreamEntry]) async throws -> [String] {
        var events: [(id: String, event: PresenceEvent)] = []
        var settled: [String] = []
        for entry in entries {
            guard let data = entry.fields[PresenceStream.field], let event = try? ChatJSON.decoder().decode(PresenceEvent.self, from: data) else {
                self.logger.error("dropping a malformed presence event", metadata: ["entry": "\(entry.id)"])
                settled.append(entry.id)
                continue
            }
            events.append((entry.id, event))
        }
        let known = self.unannounced.withLockedValue { known in events.map { known[$0.id] } }
        let fresh: [Result<PresenceEffect, RedisError>]
        do {
            fresh = try await self.store.apply(zip(events, known).filter { $1 == nil }.map(\.0.event), typingTTL: self.typingTTL)
        } catch {
            self.logger.warning("presence events will be retried", metadata: ["entries": "\(events.count)", "error": "\(error)"])
            return settled
        }
        var next = fresh.makeIterator()
        let effects = known.map { $0.map { .success($0) } ?? next.next()! }
        for (index, ((id, event), effect)) in zip(events, effects).enumerated() {
            do {
                try await self.announce(effect.get(), of: event)
                settled.append(id)
            } catch {
                self.logger.warning("presence event will be retried", metadata: ["entry": "\(id)", "error": "\(error)"])
                self.keep(zip(events, effects).dropFirst(index).compactMap { entry, effect in (try? effect.get()).map { (entry.id, $0) } })
                break
            }
        }
        self.unannounced.withLockedValue { known in
            for id in settled { known[id] = nil }
        }
        return settled
    }

    /// Bounded: entries another instance claimed are not offered here again.
    private func keep(_ effects: [(String, PresenceEffect)]) {
        self.unannounced.withLockedValue { known in
            if known.count > 100_000 { known.removeAll() }
            for (id, effect) in effects { known[id] = effect }
        }
    }

    private func announce(_ effect: PresenceEffect, of event: PresenceEvent) async throws {
        switch effect {
        case .status(let change):
            try await self.announcer.announce(change, of: event.userId)
        case .typing(let heard):
            guard heard, let conversation = event.conversationId else { return }
            try await self.announcer.typing(event.isTyping ?? true, user: event.userId, conversation: conversation)
        }
    }
}
