import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceKit

/// Whom a user's status concerns — everyone sharing a conversation with them — asked of
/// messages and kept for a short while, since statuses change far more often than who
/// talks with whom.
final class ContactsClient: Sendable {
    private let caller: ServiceCaller
    private let token: ServiceTokenCache
    private let ttl: Duration
    private let cache = NIOLockedValueBox<[UUID: (contacts: [UUID], expires: ContinuousClock.Instant)]>([:])

    init(client: HTTPClient, messagesURL: URL, token: ServiceTokenCache, ttl: Duration = .seconds(30)) {
        self.caller = ServiceCaller(client: client, base: messagesURL, service: "messages", timeout: .seconds(3))
        self.token = token
        self.ttl = ttl
    }

    struct Contacts: Decodable {
        var userIds: [UUID]
    }

    func contacts(of user: UUID) async throws -> [UUID] {
        if let cached = self.cache.withLockedValue({ $0[user] }), ContinuousClock.now < cached.expires {
            return cached.contacts
        }
        let answer: Contacts = try await self.caller.call(.GET, "/internal/users/\(user.uuidString.lowercased())/contacts", token: try await self.token.token())
        self.cache.withLockedValue { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[user] = (answer.userIds, ContinuousClock.now + self.ttl)
        }
        return answer.userIds
    }
}
