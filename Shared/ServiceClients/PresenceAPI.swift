import Foundation

/// The routes of the presence service that other services call.
public enum PresenceAPI {
    /// Mounted at `/api`, behind a user's token.
    public static let group = "api"
    /// `GET ?userIds=a,b,c` → `[UserPresence]`.
    public static let presence = ServiceRoute(group: group, pattern: "presence")
    /// `GET` → `IceServers`: STUN and TURN for calls, with a TURN credential of the caller's own.
    public static let iceServers = ServiceRoute(group: group, pattern: "calls/ice-servers")
    /// The most users asked about at once.
    public static let maxUsers = 500
}
