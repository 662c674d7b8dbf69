import Foundation
import JSONKit

/// What gateways report to presence, through a Redis stream so that a presence restart
/// loses nothing: connections opening and closing, typing, manual visibility.
///
/// Presence's keys share the hash tag `{presence}`: its scripts change a user's connections,
/// the online and hidden sets and the gateways' sets atomically, which a Redis Cluster allows
/// only within one slot. So presence lives on one shard; its state is a few sets whose size
/// is the number of connections, small beside what the messages shards carry.
public enum PresenceStream {
    public static let key = "presence:events"
    public static let group = "presence"
    public static let field = "e"
    /// A sorted set: gateway id → its last heartbeat (ms since 1970).
    public static let heartbeatsKey = "{presence}:gateways"

    /// A set: a user's live connections, `gatewayID|connectionID`, as presence keeps them
    /// (gateways count them to bound a user's sockets across gateways).
    public static func connectionsKey(_ user: UUID) -> String {
        Self.connectionsPrefix + user.uuidString.lowercased()
    }

    /// What every `connectionsKey` starts with, the user's id following.
    public static let connectionsPrefix = "{presence}:conns:"

    /// A set: the users others see online now (connected and not appearing offline), as
    /// lowercase ids, so that the experts directory can put them first.
    public static let onlineKey = "{presence}:online"
}

public struct PresenceEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        case connected, disconnected, typing, visibility
    }

    public var kind: Kind
    public var userId: UUID
    public var gatewayId: String
    public var connectionId: String
    public var conversationId: UUID?
    public var isTyping: Bool?
    public var visible: Bool?

    public init(
        kind: Kind,
        userId: UUID,
        gatewayId: String,
        connectionId: String,
        conversationId: UUID? = nil,
        isTyping: Bool? = nil,
        visible: Bool? = nil
    ) {
        self.kind = kind
        self.userId = userId
        self.gatewayId = gatewayId
        self.connectionId = connectionId
        self.conversationId = conversationId
        self.isTyping = isTyping
        self.visible = visible
    }
}
