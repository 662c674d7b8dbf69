import Foundation

/// The Redis pub/sub channels events travel on. A gateway subscribes to a conversation's
/// channel while one of its sockets is in that conversation, and to a user's channel
/// while that user has a socket on it.
public enum BusChannel {
    public static func conversation(_ id: UUID) -> String {
        "conv:" + id.uuidString.lowercased()
    }

    /// The conversation whose channel `channel` is, if it is one.
    public static func conversationID(of channel: String) -> UUID? {
        channel.hasPrefix("conv:") ? UUID(uuidString: String(channel.dropFirst(5))) : nil
    }

    public static func user(_ id: UUID) -> String {
        "user:" + id.uuidString.lowercased()
    }
}
