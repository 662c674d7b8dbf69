import Foundation

/// The routes of the presence service that other services call.
public enum PresenceAPI {
    /// Mounted at `/api`, behind a user's token.
    public static let group = "api"
    /// `GET ?userIds=a,b,c` → `[UserPresence]`.
    public static let presence = ServiceRoute(group: group, pattern: "presence")
    /// `GET` → `IceServers`: STUN and TURN for calls, with a TURN credential of the caller's own.
    public static let iceServers = ServiceRoute(group: group, pattern: "calls/ice-servers")
    /// Mounted at `/internal`, behind a service's token: gateways hand call events over.
    public static let internalGroup = "internal"
    /// `POST CallInviteRequest` → `CallAck`: a new call, ringing.
    public static let calls = ServiceRoute(group: internalGroup, pattern: "calls")
    /// `POST CallCommand` → `CallAck`: what a party does in a call.
    public static let call = ServiceRoute(group: internalGroup, pattern: "calls/{id}")
    /// The most users asked about at once.
    public static let maxUsers = 500
}
