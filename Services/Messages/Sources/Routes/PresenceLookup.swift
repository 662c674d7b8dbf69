import AsyncHTTPClient
import ChatModels
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceKit

/// Asks presence who is online, on the caller's behalf, for the `online` flag of user
/// lists. Presence being away costs the flag, never the list.
struct PresenceLookup: Sendable {
    let client: HTTPClient
    let base: URL

    func online(_ users: [UUID], token: Substring) async -> [UUID: Bool] {
        guard !users.isEmpty else { return [:] }
        var base = self.base.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/api/presence?userIds=\(users.map { $0.uuidString.lowercased() }.joined(separator: ","))")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        do {
            let response = try await self.client.execute(request, timeout: .milliseconds(500))
            let body = try await response.body.collect(upTo: 4 << 20)
            guard response.status == .ok else { return [:] }
            let presence = try ChatJSON.decoder().decode([UserPresence].self, from: body)
            return Dictionary(presence.map { ($0.userId, $0.status == .online) }, uniquingKeysWith: { first, _ in first })
        } catch {
            return [:]
        }
    }
}
