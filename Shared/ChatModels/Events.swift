import Foundation

/// The names of the events the server emits to clients.
public enum ServerEvent {
    public static let newMessage = "new_message"
    public static let notification = "notification"
    public static let messagesRead = "messages_read"
    public static let userTyping = "user_typing"
    public static let userStatusChanged = "user_status_changed"
}

/// `notification`: sent to each member's own sockets, wherever they are.
public struct ChatNotification: Codable, Sendable, Hashable {
    public var type: String
    public var conversationId: UUID
    public var message: Message

    public init(newMessage message: Message) {
        self.type = "new_message"
        self.conversationId = message.conversationId
        self.message = message
    }
}
