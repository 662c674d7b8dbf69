import EventBus
import Foundation

/// Where presence keeps its state in Redis. All of it lives there, so any presence instance
/// can handle any event and a restart loses nothing.
enum PresenceKeys {
    /// A user's live connections: `gatewayID|connectionID`.
    static func connections(_ user: UUID) -> String { PresenceStream.connectionsKey(user) }
    /// A gateway's connections: `userID|connectionID`, to clear them if the gateway dies.
    static func gateway(_ id: String) -> String { "{presence}:gw:\(id)" }
    /// Users others see online.
    static let online = PresenceStream.onlineKey
    /// Users who chose to appear offline.
    static let hidden = "{presence}:hidden"
    /// When a user was last seen online (ms since 1970).
    static func lastSeen(_ user: UUID) -> String { "{presence}:seen:\(user.uuidString.lowercased())" }
    /// A closed connection, so that a late `connected` for it is ignored.
    static func closed(_ connection: String) -> String { "{presence}:closed:\(connection)" }
    /// Typing indicators: `conversationID|userID` scored by when they expire (ms).
    static let typing = "{presence}:typing"
    /// Gateways declared dead whose connections are being cleared, scored by when the
    /// sweeping instance's claim ends (ms): past it, another instance takes over.
    static let sweeping = "{presence}:sweeping"

    static func member(_ user: UUID) -> String { user.uuidString.lowercased() }
}
