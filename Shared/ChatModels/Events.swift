import Foundation
import JSONKit

/// The events the server emits to clients, declared once; the payload each carries is
/// named beside it. The web app's `Web/js/events.js` is held to this list by a test.
public enum ServerEvent: String, CaseIterable, Sendable {
    /// `Message`, to the sockets that joined its conversation.
    case newMessage = "new_message"
    /// `ChatNotification`, to each member's sockets that did not join the conversation.
    case notification
    /// `ReadReceipt`, to the conversation.
    case messagesRead = "messages_read"
    /// `UserTyping`, to the conversation but the typist.
    case userTyping = "user_typing"
    /// `UserPresence`, to those who share a conversation with the user.
    case userStatusChanged = "user_status_changed"
    /// `MessageUpdated`, to the conversation.
    case messageUpdated = "message_updated"
    /// `MessageDeleted`, to the conversation.
    case messageDeleted = "message_deleted"
    /// `ReactionChanged`, to the conversation.
    case reactionAdded = "reaction_added"
    /// `ReactionChanged`, to the conversation.
    case reactionRemoved = "reaction_removed"
    /// `ConversationUpdated`, to one member's own sockets.
    case conversationUpdated = "conversation_updated"
    /// `User` without email, to those who share a conversation with them and to their own
    /// sockets: a user's public profile changed (name, headline, subjects, bio, picture).
    case userUpdated = "user_updated"
    /// `BlocksUpdated`, to one user's own sockets: whom they block now.
    case blocksUpdated = "blocks_updated"
    /// `AccountWarning`, to one user's own sockets: an admin warned them.
    case accountWarned = "account_warned"
    /// `GroupUpdated`, to each member's own sockets: the group's members, roles, title or
    /// description changed.
    case groupUpdated = "group_updated"
    /// `ConversationLeft`, to the sockets of one who left a group or was removed from it
    /// (the gateway takes them out of its room first).
    case conversationLeft = "conversation_left"
    /// `CallInfo`, to the own sockets of everyone in a call (every device, so the others
    /// stop ringing when one answers): the call began, changed or ended.
    case callState = "call_state"
    /// `CallSignal` with `from`, to the one socket its addressee is in the call with: an SDP
    /// description or an ICE candidate.
    case callPeerSignal = "call_peer_signal"
}

/// `blocks_updated`: every user the receiver blocks, after a change on any of their devices.
public struct BlocksUpdated: Codable, Sendable, Hashable {
    public var userIds: [UUID]

    public init(userIds: [UUID]) {
        self.userIds = userIds
    }
}

/// `notification`: sent to each member's own sockets, wherever they are.
public struct ChatNotification: Codable, Sendable, Hashable {
    public var type: String
    public var conversationId: UUID
    public var message: Message

    public init(newMessage message: Message) {
        self.type = ServerEvent.newMessage.rawValue
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
/// own sockets, when they read or mark unread on any device, when a message is deleted or
/// the newest one edited, and when the conversation is created (a new message sends none:
/// every socket gets the message itself and counts it). `lastMessage` carries no reactions.
public struct ConversationUpdated: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var unreadCount: Int
    public var lastSeq: Int64
    public var lastChangeSeq: Int64
    public var lastMessage: Message?
    /// A group's title as it is now (it may have been renamed).
    public var title: String?
    /// The member's read watermark (`Conversation.lastReadSeq`).
    public var lastReadSeq: Int64?

    public init(
        conversationId: UUID,
        unreadCount: Int,
        lastSeq: Int64,
        lastChangeSeq: Int64,
        lastMessage: Message?,
        title: String? = nil,
        lastReadSeq: Int64? = nil
    ) {
        self.conversationId = conversationId
        self.unreadCount = unreadCount
        self.lastSeq = lastSeq
        self.lastChangeSeq = lastChangeSeq
        self.lastMessage = lastMessage
        self.title = title
        self.lastReadSeq = lastReadSeq
    }
}
