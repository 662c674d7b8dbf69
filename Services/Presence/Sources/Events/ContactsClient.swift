import Foundation
import NIOConcurrencyHelpers
import ServiceClients

/// Whom a user's status concerns — everyone sharing a conversation with them, but those
/// with a block between them — and whom it must never reach (the blocks), asked of
/// messages and kept for a short while, since statuses change far more often than who
/// talks with whom. A new conversation makes its members ask again (`forget`): the
/// expert a student just wrote to must be told when the student leaves.
final class ContactsClient: Sendable {
    private let messages: MessagesClient
    private let ttl: Duration
    private let cache = NIOLockedValueBox<[UUID: (contacts: Contacts, expires: ContinuousClock.Instant)]>([:])

    init(messages: MessagesClient, ttl: Duration = .seconds(30)) {
        self.messages = messages
        self.ttl = ttl
    }

    func forget(_ users: [UUID]) {
        self.cache.withLockedValue { cache in
            for user in users { cache[user] = nil }
        }
    }

    func forgetAll() {
        self.cache.withLockedValue { $0.removeAll() }
    }

    /// Who shares a conversation with `user` (but those with a block between them).
    func contacts(of user: UUID) async throws -> [UUID] {
        try await self.relations(of: user).userIds
    }

    /// Whom `user` blocked or was blocked by: none of their status or typing goes there.
    func blocked(of user: UUID) async throws -> [UUID] {
        try await self.relations(of: user).blockedUserIds
    }

    private func relations(of user: UUID) async throws -> Contacts {
        if let cached = self.cache.withLockedValue({ $0[user] }), ContinuousClock.now < cached.expires {
            return cached.contacts
        }
        let contacts = try await self.messages.contacts(of: user)
        self.cache.withLockedValue { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[user] = (contacts, ContinuousClock.now + self.ttl)
        }
        return contacts
    }
}
