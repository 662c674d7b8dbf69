import ChatModels
import Foundation
import JSONKit
import NIOCore
import ServiceConfiguration

/// The durable send path: gateways append commands to a Redis stream, which a consumer
/// group of `messages` instances works through, acknowledging each entry only after its
/// transaction commits.
public enum CommandStream {
    public static let key = "chat:commands"
    /// Where presence's call scripts append a call's line in the same step as the call's
    /// change: a script touches keys of one slot only on a Redis Cluster, so the calls'
    /// lines have a stream in the calls' slot (`{calls}`), consumed beside `key`.
    public static let callsKey = "{calls}:commands"
    public static let group = "messages"
    /// Entry fields: the command's JSON, and the channel to answer on.
    public static let commandField = "c"
    public static let replyField = "r"
    /// What kind of command the entry holds; absent for a send.
    public static let kindField = "k"
    /// About how many entries the stream keeps (`XADD MAXLEN ~`); consumers are far ahead.
    public static let maxLength = 1_000_000

    /// How many streams the commands are spread over: each its own key, so on a Redis
    /// Cluster over the shards. The same on every service that sends or consumes them.
    public static let partitions = Setting.int(
        "COMMAND_STREAM_PARTITIONS",
        default: 1,
        in: 1...64,
        help:
            "command streams, the same number on gateways, uploads and messages (a conversation's commands always share one); change it only with the streams drained"
    )

    /// The streams of `count` partitions: `key` first, so one partition is the stream as it
    /// always was.
    public static func keys(partitions count: Int) -> [String] {
        [Self.key] + (1..<max(count, 1)).map { "\(Self.key):\($0)" }
    }

    /// Which of `count` partitions holds `conversation`'s commands: the same on every
    /// instance, so that they are stored in the order they were sent.
    public static func partition(of conversation: UUID, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        let bytes = conversation.uuid
        let tail = [bytes.8, bytes.9, bytes.10, bytes.11, bytes.12, bytes.13, bytes.14, bytes.15].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(tail % UInt64(count))
    }
}

/// A command the durable stream carries: its JSON, the id its reply names, and its kind.
public protocol StreamCommand: Sendable {
    var requestId: String { get }
    /// Which partition it goes to.
    var conversationId: UUID { get }
    var json: ByteBuffer { get }
    /// The entry's `k` field; nil for sends, the first kind (entries written before there
    /// were others have none).
    static var kind: String? { get }
}

extension SendMessageCommand: StreamCommand {
    public static var kind: String? { nil }
}

/// An edit, a delete or a reaction from a socket, as the gateway hands it on: the user is
/// the socket's. Applying one twice changes the message once, so a redelivered entry is
/// harmless.
public struct MessageChangeCommand: Codable, Sendable, Hashable, StreamCommand {
    public enum Change: String, Codable, Sendable {
        case edit, delete, react, unreact
    }

    public var requestId: String
    public var userId: UUID
    public var conversationId: UUID
    public var messageId: UUID
    public var change: Change
    /// An edit's new text.
    public var content: String?
    /// A reaction's emoji.
    public var emoji: String?

    public init(
        requestId: String,
        userId: UUID,
        conversationId: UUID,
        messageId: UUID,
        change: Change,
        content: String? = nil,
        emoji: String? = nil
    ) {
        self.requestId = requestId
        self.userId = userId
        self.conversationId = conversationId
        self.messageId = messageId
        self.change = change
        self.content = content
        self.emoji = emoji
    }

    public static var kind: String? { "change" }

    public var json: ByteBuffer {
        // Rarer than sends, and small: the encoder will do.
        (try? ChatJSON.buffer(self)) ?? ByteBuffer()
    }
}

/// `send_message` as the gateway hands it on: the sender is the socket's verified user.
public struct SendMessageCommand: Codable, Sendable, Hashable {
    public var requestId: String
    public var senderId: UUID
    public var conversationId: UUID
    public var content: String
    public var messageType: MessageType
    /// Always set: the gateway makes one when the client gave none, so a redelivered
    /// entry is stored once.
    public var clientMessageId: String
    /// The file of an IMAGE or FILE message, already stored by uploads.
    public var attachment: AttachmentDraft?
    /// The message of this conversation it answers.
    public var replyTo: UUID?
    /// A CALL message's call (presence's, never a client's).
    public var call: CallRecord?

    public init(
        requestId: String,
        senderId: UUID,
        conversationId: UUID,
        content: String,
        messageType: MessageType,
        clientMessageId: String,
        attachment: AttachmentDraft? = nil,
        replyTo: UUID? = nil,
        call: CallRecord? = nil
    ) {
        self.requestId = requestId
        self.senderId = senderId
        self.conversationId = conversationId
        self.content = content
        self.messageType = messageType
        self.clientMessageId = clientMessageId
        self.attachment = attachment
        self.replyTo = replyTo
        self.call = call
    }
}

/// The answer to a command, published on the requesting gateway's channel.
public struct CommandReply: Codable, Sendable, Hashable {
    public var requestId: String
    public var message: Message?
    public var error: ErrorBody.Detail?

    public init(requestId: String, message: Message) {
        self.requestId = requestId
        self.message = message
    }

    public init(requestId: String, error: ErrorBody.Detail) {
        self.requestId = requestId
        self.error = error
    }

    public static let event = "command_reply"
}

extension BusChannel {
    /// Where an instance (a gateway, an uploads instance) hears the replies to its commands.
    public static func replies(_ instanceID: String) -> String {
        "replies:" + instanceID
    }
}
