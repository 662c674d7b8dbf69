import AsyncHTTPClient
import ChatModels
import Foundation
import JSONKit
import NIOHTTP1
import ServiceKit

/// The routes of the presence service that other services call.
public enum PresenceAPI {
    /// Mounted at `/api`, behind a user's token.
    public static let group = "api"
    /// `GET ?userIds=a,b,c` → `[UserPresence]`.
    public static let presence = ServiceRoute(group: group, pattern: "presence")
    /// The most users asked about at once.
    public static let maxUsers = 500
}

/// Asks presence who is online, on a user's behalf, for the `online` flag of user lists.
/// Presence being away costs the flag, never the list.
public struct PresenceClient: Sendable {
    private let caller: ServiceCaller

    public init(client: HTTPClient, endpoint: ServiceEndpoint) {
        self.caller = ServiceCaller(client: client, endpoint: endpoint, service: "presence")
    }

    /// Whether each user is online; empty when presence cannot say.
    public func online(_ users: [UUID], token: String) async -> [UUID: Bool] {
        guard !users.isEmpty else { return [:] }
        let ids = users.prefix(PresenceAPI.maxUsers).map { $0.text(lowercase: true) }.joined(separator: ",")
        guard let presence: [UserPresence] = try? await self.caller.call(.GET, PresenceAPI.presence.path(query: [("userIds", ids)]), token: token)
        else {
            return [:]
        }
        return Dictionary(presence.map { ($0.userId, $0.status == .online) }, uniquingKeysWith: { first, _ in first })
    }
}
