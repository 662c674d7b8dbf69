import Foundation
import JSONKit

/// The Redis pub/sub channels events travel on. A gateway subscribes to a conversation's
/// channel while one of its sockets is in that conversation, to a user's status channel
/// while one of its sockets watches that user, and always to `users`, where
/// events addressed to users (their notifications, their contacts' status) name their
/// audience: one publish however many users, each gateway picking its own sockets.
public enum BusChannel {
    public static let users = "users"
    /// Users whose contacts changed (a conversation was made with them), as lowercase ids
    /// joined by commas: presence forgets whom it told of their status.
    public static let contacts = "contacts"

    public static func conversation(_ id: UUID) -> String {
        "conv:" + id.text()
    }

    /// Where a user's `user_status_changed` is also published, for the sockets that watch
    /// them without sharing a conversation (`watch_statuses`).
    public static func status(_ user: UUID) -> String {
        "status:" + user.text()
    }

    /// The conversation whose channel `channel` is, if it is one.
    public static func conversationID(of channel: String) -> UUID? {
        channel.hasPrefix("conv:") ? UUID(text: channel.dropFirst(5)) : nil
    }

    public static func isStatus(_ channel: String) -> Bool {
        channel.hasPrefix("status:")
    }
}
