import Foundation

/// `GET /api/calls/ice-servers`: what a browser passes to `RTCPeerConnection` as its
/// `iceServers`, good until `expiresAt` (ask again before a call that starts later).
public struct IceServers: Codable, Sendable, Hashable {
    public var iceServers: [IceServer]
    public var expiresAt: Date?

    public init(iceServers: [IceServer], expiresAt: Date?) {
        self.iceServers = iceServers
        self.expiresAt = expiresAt
    }
}

/// One entry of `RTCConfiguration.iceServers`: STUN URLs alone, or TURN URLs with the
/// credential that opens them.
public struct IceServer: Codable, Sendable, Hashable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}
