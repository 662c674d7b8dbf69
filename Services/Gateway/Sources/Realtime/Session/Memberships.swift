import Foundation
import NIOConcurrencyHelpers

/// Who was lately found a member of which conversation, so a `send_message` to a
/// conversation the socket has not joined is checked once a minute, not on every send,
/// before it is queued. A stale "yes" lets through at most what the consumer refuses
/// anyway (it checks membership when it stores); it only keeps strangers' sends out of
/// Redis. Bounded: when full, it starts over.
final class Memberships: Sendable {
    private struct Key: Hashable {
        var user: UUID
        var conversation: UUID
    }

    private let entries = NIOLockedValueBox<[Key: ContinuousClock.Instant]>([:])
    private let capacity: Int
    private let lifetime: Duration

    init(capacity: Int = 100_000, lifetime: Duration = .seconds(60)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    func isKnownMember(_ user: UUID, of conversation: UUID, now: ContinuousClock.Instant = .now) -> Bool {
        self.entries.withLockedValue { entries in
            guard let expires = entries[Key(user: user, conversation: conversation)] else { return false }
            return now < expires
        }
    }

    /// They are no longer in it: the next event asks messages again.
    func forget(_ users: [UUID], of conversation: UUID) {
        self.entries.withLockedValue { entries in
            for user in users { entries[Key(user: user, conversation: conversation)] = nil }
        }
    }

    func remember(_ user: UUID, of conversation: UUID, now: ContinuousClock.Instant = .now) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(user: user, conversation: conversation)] = now + self.lifetime
        }
    }
}
