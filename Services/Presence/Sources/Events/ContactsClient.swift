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
    private let client: HTTPClient
    private let base: String
    private let token: ServiceTokenCache
    private let ttl: Duration
    private let cache = NIOLockedValueBox<[UUID: (contacts: [UUID], expires: ContinuousClock.Instant)]>([:])

    init(client: HTTPClient, messagesURL: URL, token: ServiceTokenCache, ttl: Duration = .seconds(30)) {
        self.client = client
        var base = messagesURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
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
        var request = HTTPClientRequest(url: "\(self.base)/internal/users/\(user.uuidString.lowercased())/contacts")
        request.headers.add(name: "Authorization", value: "Bearer \(try await self.token.token())")
        let response = try await self.client.execute(request, timeout: .seconds(3))
        let body = try await response.body.collect(upTo: 8 << 20)
        guard response.status == .ok else { throw APIError.unavailable("messages answered \(response.status.code)") }
        let contacts = try JSONDecoder().decode(Contacts.self, from: body).userIds
        self.cache.withLockedValue { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[user] = (contacts, ContinuousClock.now + self.ttl)
        }
        return contacts
    }
}
