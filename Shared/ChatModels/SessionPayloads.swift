import Foundation

/// `renew_token`: the access token a client renewed from its session, so that its socket
/// goes on past the old one's expiry without reconnecting.
public struct RenewTokenPayload: Codable, Sendable, EventPayload {
    /// Longer than any token this deployment issues (about 400 bytes).
    public static let maxBytes = 4096
    public var token: String

    public init(token: String) { self.token = token }

    public func validate(_ limits: EventLimits) throws(APIError) {
        guard self.token.utf8.count <= Self.maxBytes else { throw .validation("'token' is longer than any token", field: "token") }
    }
}

/// The answer to `renew_token`: the socket now ends when the new token does.
public struct RenewTokenAck: Codable, Sendable {
    public var ok = true
    public var expiresAt: Date

    public init(expiresAt: Date) { self.expiresAt = expiresAt }
}
