import Foundation
import JSONKit

public enum ConversationKind: String, Codable, Sendable {
    case direct
    case group
}

/// A conversation as one member sees it: the unread count and last message are theirs.
public struct Conversation: Codable, Sendable, Hashable {
    public var id: UUID
    public var kind: ConversationKind
    public var title: String?
    public var participants: [User]
    public var lastMessage: Message?
    /// Others' messages after the reader's watermark, counted to 100 (100 or more).
    public var unreadCount: Int
    /// The reader's watermark: what follows it is unread (where a client opens the
    /// conversation, however many that is). None for a group the reader has left.
    public var lastReadSeq: Int64?
    /// The `seq` of the newest message; what a client compares with the last one it saw.
    public var lastSeq: Int64
    /// The newest `changeSeq`: where a client starts asking what changed.
    public var lastChangeSeq: Int64
    public var createdAt: Date
    public var updatedAt: Date
    /// How far each other member has read: a client shows its own messages as read from
    /// the start, not only once a `messages_read` arrives.
    public var reads: [ReadPosition]
    /// In a group, each member's role (owner, admin, member); absent in a direct conversation.
    public var roles: [MemberRole]?
    /// A group's description, if it has one.
    public var description: String?
    /// A group's picture, if it has one (loaded like a profile picture).
    public var pictureUrl: String?
    /// In a group, those who were in it and are no more (whose messages history still shows).
    public var formerParticipants: [User]?
    /// When the group was closed: its last member left.
    public var closedAt: Date?
    /// Set when the reader is no longer in the group: they read what came before, nothing after.
    public var departure: Departure?

    public init(
        id: UUID,
        kind: ConversationKind,
        title: String?,
        participants: [User],
        lastMessage: Message?,
        unreadCount: Int,
        lastSeq: Int64,
        lastChangeSeq: Int64 = 0,
        createdAt: Date,
        updatedAt: Date,
        reads: [ReadPosition] = [],
        roles: [MemberRole]? = nil,
        description: String? = nil,
        pictureUrl: String? = nil,
        formerParticipants: [User]? = nil,
        closedAt: Date? = nil,
        departure: Departure? = nil,
        lastReadSeq: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.participants = participants
        self.lastMessage = lastMessage
        self.unreadCount = unreadCount
        self.lastSeq = lastSeq
        self.lastChangeSeq = lastChangeSeq
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.reads = reads
        self.roles = roles
        self.description = description
        self.pictureUrl = pictureUrl
        self.formerParticipants = formerParticipants
        self.closedAt = closedAt
        self.departure = departure
        self.lastReadSeq = lastReadSeq
    }
}

/// How a reader's membership of a group ended, and the last message that is theirs to read.
public struct Departure: Codable, Sendable, Hashable {
    public enum Reason: String, Codable, Sendable {
        case left, removed
    }

    public var reason: Reason
    public var leftAt: Date
    /// The last message they read: the one that says they left or were removed.
    public var seq: Int64

    public init(reason: Reason, leftAt: Date, seq: Int64) {
        self.reason = reason
        self.leftAt = leftAt
        self.seq = seq
    }
}

/// What a member of a group may do: the owner (one) and admins run it, members talk.
public enum GroupRole: String, Codable, Sendable, CaseIterable {
    case owner, admin, member
}

/// A group member's role.
public struct MemberRole: Codable, Sendable, Hashable {
    public var userId: UUID
    public var role: GroupRole

    public init(userId: UUID, role: GroupRole) {
        self.userId = userId
        self.role = role
    }
}

/// `PATCH /api/chat/conversations/{id}`: a group's new title or description (an empty
/// description removes it).
public struct UpdateConversationRequest: Codable, Sendable {
    public var title: String?
    public var description: String?

    public init(title: String? = nil, description: String? = nil) {
        self.title = title
        self.description = description
    }
}

/// A member's read watermark: every message up to `seq` is read.
public struct ReadPosition: Codable, Sendable, Hashable {
    public var userId: UUID
    public var seq: Int64

    public init(userId: UUID, seq: Int64) {
        self.userId = userId
        self.seq = seq
    }
}

/// `POST /api/chat/conversations`: `participantIds`, or the old frontend's `expertId`.
public struct CreateConversationRequest: Codable, Sendable {
    public var participantIds: [UUID]?
    public var expertId: UUID?
    public var title: String?

    public init(participantIds: [UUID]? = nil, expertId: UUID? = nil, title: String? = nil) {
        self.participantIds = participantIds
        self.expertId = expertId
        self.title = title
    }
}

/// `POST /api/chat/conversations/{id}/read`: up to a `seq`, or up to a message.
public struct MarkReadRequest: Codable, Sendable {
    public var seq: Int64?
    public var messageId: UUID?

    public init(seq: Int64? = nil, messageId: UUID? = nil) {
        self.seq = seq
        self.messageId = messageId
    }
}

/// `POST /api/chat/conversations/{id}/unread` and `mark_unread`: this message and the ones
/// after it count as unread again, for the caller alone (others keep seeing it read).
public struct MarkUnreadRequest: Codable, Sendable {
    public var messageId: UUID

    public init(messageId: UUID) {
        self.messageId = messageId
    }
}

/// Where a member's read watermark now stands.
public struct ReadReceipt: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var userId: UUID
    public var seq: Int64
    public var readAt: Date

    public init(conversationId: UUID, userId: UUID, seq: Int64, readAt: Date) {
        self.conversationId = conversationId
        self.userId = userId
        self.seq = seq
        self.readAt = readAt
    }
}
