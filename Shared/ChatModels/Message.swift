import Foundation
import JSONKit

public enum MessageType: String, Codable, Sendable, CaseIterable {
    case text = "TEXT"
    case image = "IMAGE"
    case file = "FILE"
    case system = "SYSTEM"
    /// A call's line: presence writes it when the call ends (`call` says how it went).
    case call = "CALL"
}

/// What a file is, in every shape it takes (`Attachment`, and the draft uploads hands on).
public protocol AttachedFile {
    var id: UUID { get }
    var name: String { get }
    var size: Int64 { get }
    var mimeType: String { get }
    var sha256: String { get }
    var width: Int? { get }
    var height: Int? { get }
}

/// A file attached to a message; `url` is where members download it.
public struct Attachment: AttachedFile, Codable, Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var size: Int64
    public var mimeType: String
    public var sha256: String
    public var url: String
    /// A picture's size as it shows (EXIF rotation applied), when its header says: a
    /// client sizes its box before the bytes arrive.
    public var width: Int?
    public var height: Int?

    public init(id: UUID, name: String, size: Int64, mimeType: String, sha256: String, url: String, width: Int? = nil, height: Int? = nil) {
        self.id = id
        self.name = name
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.url = url
        self.width = width
        self.height = height
    }
}

/// One emoji on a message: how many members chose it, and whether the reader is one.
public struct ReactionSummary: Codable, Sendable, Hashable {
    public var emoji: String
    public var count: Int
    public var me: Bool

    public init(emoji: String, count: Int, me: Bool) {
        self.emoji = emoji
        self.count = count
        self.me = me
    }
}

/// What a reply shows of the message it answers: who wrote it and how it began, read
/// when the reply is read (so an edit shows, and a delete leaves `deleted` and no text).
public struct ReplyPreview: Codable, Sendable, Hashable {
    public var id: UUID
    /// Where it is in the conversation: a client pages back to it.
    public var seq: Int64
    public var senderId: UUID?
    public var messageType: MessageType
    /// The start of its text, at most `maxSnippet` characters; empty once deleted.
    public var snippet: String
    public var deleted: Bool

    /// Characters of the original a reply carries.
    public static let maxSnippet = 100

    public init(id: UUID, seq: Int64, senderId: UUID?, messageType: MessageType, snippet: String, deleted: Bool) {
        self.id = id
        self.seq = seq
        self.senderId = senderId
        self.messageType = messageType
        self.snippet = snippet
        self.deleted = deleted
    }

    /// A reply's original before it is read, and if it cannot be: gone.
    public static func unread(_ id: UUID) -> ReplyPreview {
        ReplyPreview(id: id, seq: 0, senderId: nil, messageType: .text, snippet: "", deleted: true)
    }
}

/// A stored message. `seq` counts up by one per conversation, so a client that knows the
/// last `seq` it saw can ask for exactly what it missed; `changeSeq` does the same for
/// every change (a new message, an edit, a delete, a reaction), so a client that knows the
/// last one it saw can ask what changed since.
public struct Message: Codable, Sendable, Hashable {
    public var id: UUID
    public var conversationId: UUID
    public var seq: Int64
    /// Absent on SYSTEM messages.
    public var senderId: UUID?
    /// Empty once deleted.
    public var content: String
    public var messageType: MessageType
    public var clientMessageId: String?
    public var createdAt: Date
    /// Gone once deleted.
    public var attachments: [Attachment]
    /// The conversation's change sequence at this message's last change.
    public var changeSeq: Int64
    /// 1 as sent; each edit adds one.
    public var version: Int64
    public var editedAt: Date?
    /// A deleted message stays as a tombstone, so that history has no hole.
    public var deletedAt: Date?
    /// In the order each emoji was first chosen; `me` is the reader's.
    public var reactions: [ReactionSummary]
    /// The message this one answers.
    public var replyTo: ReplyPreview?
    /// A CALL message's call.
    public var call: CallRecord?

    public init(
        id: UUID,
        conversationId: UUID,
        seq: Int64,
        senderId: UUID?,
        content: String,
        messageType: MessageType,
        clientMessageId: String?,
        createdAt: Date,
        attachments: [Attachment] = [],
        changeSeq: Int64 = 0,
        version: Int64 = 1,
        editedAt: Date? = nil,
        deletedAt: Date? = nil,
        reactions: [ReactionSummary] = [],
        replyTo: ReplyPreview? = nil,
        call: CallRecord? = nil
    ) {
        self.id = id
        self.conversationId = conversationId
        self.seq = seq
        self.senderId = senderId
        self.content = content
        self.messageType = messageType
        self.clientMessageId = clientMessageId
        self.createdAt = createdAt
        self.attachments = attachments
        self.changeSeq = changeSeq
        self.version = version
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.reactions = reactions
        self.replyTo = replyTo
        self.call = call
    }
}

/// `POST /api/chat/conversations/{id}/messages`
public struct SendMessageRequest: Codable, Sendable {
    public var content: String
    public var messageType: MessageType?
    public var clientMessageId: String?
    /// The message of this conversation it answers.
    public var replyTo: UUID?

    public init(content: String, messageType: MessageType? = nil, clientMessageId: String? = nil, replyTo: UUID? = nil) {
        self.content = content
        self.messageType = messageType
        self.clientMessageId = clientMessageId
        self.replyTo = replyTo
    }
}

/// A page of history, in ascending `seq`.
public struct MessagePage: Codable, Sendable {
    public var messages: [Message]
    public var hasMore: Bool

    public init(messages: [Message], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }
}

/// What changed in a conversation after a `changeSeq`: new and changed messages (tombstones
/// too), ascending by `changeSeq`. `lastChangeSeq` is where the next request starts.
public struct ChangePage: Codable, Sendable {
    public var messages: [Message]
    public var lastChangeSeq: Int64
    public var hasMore: Bool

    public init(messages: [Message], lastChangeSeq: Int64, hasMore: Bool) {
        self.messages = messages
        self.lastChangeSeq = lastChangeSeq
        self.hasMore = hasMore
    }
}

/// `PATCH /api/chat/conversations/{id}/messages/{messageId}`
public struct EditMessageRequest: Codable, Sendable {
    public var content: String

    public init(content: String) {
        self.content = content
    }
}

/// `GET /api/chat/search`: the caller's messages that match, best first.
public struct SearchPage: Codable, Sendable {
    public var results: [SearchHit]
    /// Pass as `cursor` for the next page; absent on the last.
    public var nextCursor: String?

    public init(results: [SearchHit], nextCursor: String?) {
        self.results = results
        self.nextCursor = nextCursor
    }
}

/// One match: the message, and a short passage of it with the matching words marked.
public struct SearchHit: Codable, Sendable, Hashable {
    public var message: Message
    public var snippet: [SnippetPart]
    public var rank: Double

    public init(message: Message, snippet: [SnippetPart], rank: Double) {
        self.message = message
        self.snippet = snippet
        self.rank = rank
    }
}

/// A piece of a snippet: text, and whether it matched (what a client highlights). Parts
/// rather than markup, so that no client has to escape anything.
public struct SnippetPart: Codable, Sendable, Hashable {
    public var text: String
    public var match: Bool

    public init(text: String, match: Bool) {
        self.text = text
        self.match = match
    }
}
