import Foundation

public enum MessageType: String, Codable, Sendable, CaseIterable {
    case text = "TEXT"
    case image = "IMAGE"
    case file = "FILE"
    case system = "SYSTEM"
}

/// A file attached to a message; `url` is where members download it.
public struct Attachment: Codable, Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var size: Int64
    public var mimeType: String
    public var sha256: String
    public var url: String

    public init(id: UUID, name: String, size: Int64, mimeType: String, sha256: String, url: String) {
        self.id = id
        self.name = name
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.url = url
    }
}

/// A stored message. `seq` counts up by one per conversation, so a client that knows the
/// last `seq` it saw can ask for exactly what it missed.
public struct Message: Codable, Sendable, Hashable {
    public var id: UUID
    public var conversationId: UUID
    public var seq: Int64
    /// Absent on SYSTEM messages.
    public var senderId: UUID?
    public var content: String
    public var messageType: MessageType
    public var clientMessageId: String?
    public var createdAt: Date
    public var attachments: [Attachment]

    public init(
        id: UUID,
        conversationId: UUID,
        seq: Int64,
        senderId: UUID?,
        content: String,
        messageType: MessageType,
        clientMessageId: String?,
        createdAt: Date,
        attachments: [Attachment] = []
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
    }
}

/// `POST /api/chat/conversations/{id}/messages`
public struct SendMessageRequest: Codable, Sendable {
    public var content: String
    public var messageType: MessageType?
    public var clientMessageId: String?

    public init(content: String, messageType: MessageType? = nil, clientMessageId: String? = nil) {
        self.content = content
        self.messageType = messageType
        self.clientMessageId = clientMessageId
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
