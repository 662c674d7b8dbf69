import Foundation
import JSONKit
import NIOCore

// The payloads of the Socket.IO events clients send, and of the acks they get back.

extension ConversationRef: EventPayload, ConversationScoped {}
extension SendMessagePayload: EventPayload, ConversationScoped {
    public init(eventArgument json: ByteBuffer?) throws {
        guard let json else { throw APIError.badRequest("The event needs a payload") }
        try self.init(json: json)  // hand-written: the one payload on the hot path
    }

    public func validate(_ limits: EventLimits) throws(APIError) {
        guard (self.messageType ?? .text) == .text else {
            throw .validation("Only TEXT messages are sent this way; files go through the upload route")
        }
        _ = try MessageRules.content(self.content, maxLength: limits.maxContentLength)
        _ = try MessageRules.clientMessageID(self.clientMessageId)
    }
}
extension EditMessagePayload: EventPayload, ConversationScoped {
    public func validate(_ limits: EventLimits) throws(APIError) {
        _ = try MessageRules.content(self.content, maxLength: limits.maxContentLength)
    }
}
extension MessageRef: EventPayload, ConversationScoped {}
extension ReactionPayload: EventPayload, ConversationScoped {
    public func validate(_ limits: EventLimits) throws(APIError) {
        _ = try MessageRules.emoji(self.emoji)
    }
}
extension TypingPayload: EventPayload, ConversationScoped {}
extension MarkReadPayload: EventPayload, ConversationScoped {}
extension MarkUnreadPayload: EventPayload, ConversationScoped {}
extension SyncPayload: EventPayload, ConversationScoped {}
extension SearchPayload: EventPayload {}
extension WatchStatusesPayload: EventPayload {
    public func validate(_ limits: EventLimits) throws(APIError) {
        guard self.userIds.count <= Self.maxUsers else { throw .validation("At most \(Self.maxUsers) 'userIds' are watched at once") }
    }
}

/// `join_conversation` and `leave_conversation`: `{conversationId}`, or the bare id some
/// clients send.
public struct ConversationRef: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public init(conversationId: UUID) { self.conversationId = conversationId }

    public init(from decoder: any Decoder) throws {
        if let bare = try? decoder.singleValueContainer().decode(String.self) {
            guard let id = UUID(text: bare) else { throw APIError.badRequest("'conversationId' must be a UUID") }
            self.conversationId = id
        } else {
            self.conversationId = try decoder.container(keyedBy: CodingKeys.self).decode(UUID.self, forKey: .conversationId)
        }
    }
}

/// `send_message`: the sender is the socket's user, never a field of the payload.
public struct SendMessagePayload: Codable, Sendable {
    public var conversationId: UUID
    public var content: String
    public var messageType: MessageType?
    public var clientMessageId: String?
    /// The message of this conversation it answers.
    public var replyTo: UUID?

    public init(conversationId: UUID, content: String, messageType: MessageType? = nil, clientMessageId: String? = nil, replyTo: UUID? = nil) {
        self.conversationId = conversationId
        self.content = content
        self.messageType = messageType
        self.clientMessageId = clientMessageId
        self.replyTo = replyTo
    }
}

/// `typing`: `isTyping` defaults to true; false says the user stopped.
public struct TypingPayload: Codable, Sendable {
    public var conversationId: UUID
    public var isTyping: Bool?
    public init(conversationId: UUID, isTyping: Bool? = nil) {
        self.conversationId = conversationId
        self.isTyping = isTyping
    }
}

/// `mark_read`: up to a `seq` or a message.
public struct MarkReadPayload: Codable, Sendable {
    public var conversationId: UUID
    public var seq: Int64?
    public var messageId: UUID?
    public init(conversationId: UUID, seq: Int64? = nil, messageId: UUID? = nil) {
        self.conversationId = conversationId
        self.seq = seq
        self.messageId = messageId
    }
}

/// `mark_unread`: from this message on, unread again (for the caller alone).
public struct MarkUnreadPayload: Codable, Sendable {
    public var conversationId: UUID
    public var messageId: UUID
    public init(conversationId: UUID, messageId: UUID) {
        self.conversationId = conversationId
        self.messageId = messageId
    }
}

/// `sync_conversation`: the messages after `after` (the catch-up a reconnecting client asks
/// for), or with `changesAfter`, every message changed after that `changeSeq` (new, edited,
/// deleted or reacted to).
public struct SyncPayload: Codable, Sendable {
    public var conversationId: UUID
    public var after: Int64?
    public var changesAfter: Int64?
    public var limit: Int?
    public init(conversationId: UUID, after: Int64? = nil, changesAfter: Int64? = nil, limit: Int? = nil) {
        self.conversationId = conversationId
        self.after = after
        self.changesAfter = changesAfter
        self.limit = limit
    }
}

/// `search_messages`: what `GET /api/chat/search` takes, as an object.
public struct SearchPayload: Codable, Sendable {
    public var q: String
    public var conversationId: UUID?
    public var from: UUID?
    public var after: Date?
    public var before: Date?
    public var limit: Int?
    public var cursor: String?
    public init(
        q: String,
        conversationId: UUID? = nil,
        from: UUID? = nil,
        after: Date? = nil,
        before: Date? = nil,
        limit: Int? = nil,
        cursor: String? = nil
    ) {
        self.q = q
        self.conversationId = conversationId
        self.from = from
        self.after = after
        self.before = before
        self.limit = limit
        self.cursor = cursor
    }
}

/// `watch_statuses`: the users whose `user_status_changed` the socket hears besides its
/// contacts' (the experts a directory lists), in place of those it watched before; `[]`
/// stops watching.
public struct WatchStatusesPayload: Codable, Sendable {
    public static let maxUsers = 100
    public var userIds: [UUID]
    public init(userIds: [UUID]) { self.userIds = userIds }
}

/// `edit_message`: the sender's new text.
public struct EditMessagePayload: Codable, Sendable {
    public var conversationId: UUID
    public var messageId: UUID
    public var content: String
    public init(conversationId: UUID, messageId: UUID, content: String) {
        self.conversationId = conversationId
        self.messageId = messageId
        self.content = content
    }
}

/// `delete_message`.
public struct MessageRef: Codable, Sendable {
    public var conversationId: UUID
    public var messageId: UUID
    public init(conversationId: UUID, messageId: UUID) {
        self.conversationId = conversationId
        self.messageId = messageId
    }
}

/// `add_reaction` and `remove_reaction`.
public struct ReactionPayload: Codable, Sendable {
    public var conversationId: UUID
    public var messageId: UUID
    public var emoji: String
    public init(conversationId: UUID, messageId: UUID, emoji: String) {
        self.conversationId = conversationId
        self.messageId = messageId
        self.emoji = emoji
    }
}

/// `user_typing`
public struct UserTyping: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var userId: UUID
    public var isTyping: Bool
    public init(conversationId: UUID, userId: UUID, isTyping: Bool) {
        self.conversationId = conversationId
        self.userId = userId
        self.isTyping = isTyping
    }
}

public enum PresenceStatus: String, Codable, Sendable {
    case online, offline
}

/// One user's presence: what `GET /api/presence` answers, and the `user_status_changed` event.
public struct UserPresence: Codable, Sendable, Hashable {
    public var userId: UUID
    public var status: PresenceStatus
    public var lastSeenAt: Date?
    public init(userId: UUID, status: PresenceStatus, lastSeenAt: Date? = nil) {
        self.userId = userId
        self.status = status
        self.lastSeenAt = lastSeenAt
    }
}

/// Acks: `{ok: true, …}`.
public struct JoinAck: Codable, Sendable {
    public var ok = true
    public var conversationId: UUID
    public var lastSeq: Int64
    public init(conversationId: UUID, lastSeq: Int64) {
        self.conversationId = conversationId
        self.lastSeq = lastSeq
    }
}

public struct MessageAck: Codable, Sendable {
    public var ok = true
    public var message: Message
    public init(message: Message) { self.message = message }
}

public struct OkAck: Codable, Sendable {
    public var ok = true
    public init() {}
}

public struct ReadAck: Codable, Sendable {
    public var ok = true
    public var conversationId: UUID
    public var seq: Int64
    public var readAt: Date
    public init(_ receipt: ReadReceipt) {
        self.conversationId = receipt.conversationId
        self.seq = receipt.seq
        self.readAt = receipt.readAt
    }
}

public struct SearchAck: Codable, Sendable {
    public var ok = true
    public var results: [SearchHit]
    public var nextCursor: String?
    public init(_ page: SearchPage) {
        self.results = page.results
        self.nextCursor = page.nextCursor
    }
}

public struct UnreadAck: Codable, Sendable {
    public var ok = true
    public var conversationId: UUID
    public var unreadCount: Int
    public var lastSeq: Int64
    public var lastReadSeq: Int64?
    public init(_ update: ConversationUpdated) {
        self.conversationId = update.conversationId
        self.unreadCount = update.unreadCount
        self.lastSeq = update.lastSeq
        self.lastReadSeq = update.lastReadSeq
    }
}

public struct SyncAck: Codable, Sendable {
    public var ok = true
    public var conversationId: UUID
    public var messages: [Message]
    public var hasMore: Bool
    /// With `changesAfter`: where the next sync starts.
    public var lastChangeSeq: Int64?
    public init(conversationId: UUID, page: MessagePage) {
        self.conversationId = conversationId
        self.messages = page.messages
        self.hasMore = page.hasMore
    }
    public init(conversationId: UUID, changes: ChangePage) {
        self.conversationId = conversationId
        self.messages = changes.messages
        self.hasMore = changes.hasMore
        self.lastChangeSeq = changes.lastChangeSeq
    }
}

/// Which of the watched users are online now: what changes after it comes as events.
public struct WatchAck: Codable, Sendable {
    public var ok = true
    public var online: [UUID]
    public init(online: [UUID]) { self.online = online }
}

public struct StatusAck: Codable, Sendable {
    public var ok = true
    public var status: PresenceStatus
    public init(status: PresenceStatus) { self.status = status }
}
