import Foundation

/// The names of the events the server emits to clients.
public enum ServerEvent {
    public static let newMessage = "new_message"
    public static let notification = "notification"
    public static let messagesRead = "messages_read"
    public static let userTyping = "user_typing"
    public static let userStatusChanged = "user_status_changed"
    public static let messageUpdated = "message_updated"
    public static let messageDeleted = "message_deleted"
    public static let reactionAdded = "reaction_added"
    public static let reactionRemoved = "reaction_removed"
    public static let conversationUpdated = "conversation_updated"
    /// A user's public profile changed (name, headline, subjects, bio, picture): the
    /// `User`, without email, to those who share a conversation with them and to their own sockets.
    public static let userUpdated = "user_updated"
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

/// `message_updated`: an edit, as the fields that changed (a message's reactions are each
/// reader's own, so the whole message is not sent to everyone).
public struct MessageUpdated: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var messageId: UUID
    public var content: String
    public var version: Int64
    public var editedAt: Date
    public var changeSeq: Int64

    public init(_ message: Message) {
        self.conversationId = message.conversationId
        self.messageId = message.id
        self.content = message.content
        self.version = message.version
        self.editedAt = message.editedAt ?? message.createdAt
        self.changeSeq = message.changeSeq
    }
}

/// `message_deleted`: the message is a tombstone now (its `seq` stays taken).
public struct MessageDeleted: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var messageId: UUID
    public var seq: Int64
    public var deletedAt: Date
    public var changeSeq: Int64

    public init(_ message: Message) {
        self.conversationId = message.conversationId
        self.messageId = message.id
        self.seq = message.seq
        self.deletedAt = message.deletedAt ?? message.createdAt
        self.changeSeq = message.changeSeq
    }
}

/// `reaction_added` and `reaction_removed`: who chose or dropped which emoji, and how many
/// have it now (a reader sets `me` from `userId`).
public struct ReactionChanged: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var messageId: UUID
    public var userId: UUID
    public var emoji: String
    public var count: Int
    public var changeSeq: Int64

    public init(conversationId: UUID, messageId: UUID, userId: UUID, emoji: String, count: Int, changeSeq: Int64) {
        self.conversationId = conversationId
        self.messageId = messageId
        self.userId = userId
        self.emoji = emoji
        self.count = count
        self.changeSeq = changeSeq
    }
}

/// `conversation_updated`: a conversation as one member's list shows it, to that member's
/// own sockets, when a message arrives, when they read or mark unread on any device, and
/// when a message is deleted or the last one edited. `lastMessage` carries no reactions.
public struct ConversationUpdated: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var unreadCount: Int
    public var lastSeq: Int64
    public var lastChangeSeq: Int64
    public var lastMessage: Message?

    public init(conversationId: UUID, unreadCount: Int, lastSeq: Int64, lastChangeSeq: Int64, lastMessage: Message?) {
        self.conversationId = conversationId
        self.unreadCount = unreadCount
        self.lastSeq = lastSeq
        self.lastChangeSeq = lastChangeSeq
        self.lastMessage = lastMessage
    }
}
