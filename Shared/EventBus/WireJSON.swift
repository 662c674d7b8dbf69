import ChatModels
import Foundation
import JSONKit
import NIOCore

// What crosses the bus for every message and every connection, written and read without
// `JSONEncoder`/`JSONDecoder` (see `Message+JSON.swift` in ChatModels).

extension SendMessageCommand {
    /// `ChatJSON.encoder().encode(self)`, written directly.
    public var json: ByteBuffer {
        JSONObjectWriter.object(capacity: 200 + self.content.utf8.count + self.clientMessageId.utf8.count + (self.attachment == nil ? 0 : 200)) {
            object in
            if let attachment = self.attachment {
                object.object("attachment") { object in
                    object.file(attachment) { object in object.string("storageKey", attachment.storageKey) }
                }
            }
            if let call = self.call {
                object.object("call") { object in object.callRecord(call) }
            }
            object.string("clientMessageId", self.clientMessageId)
            object.string("content", self.content)
            object.uuid("conversationId", self.conversationId)
            object.string("messageType", self.messageType.rawValue)
            object.uuid("replyTo", self.replyTo)
            object.string("requestId", self.requestId)
            object.uuid("senderId", self.senderId)
        }
    }
}

extension SendMessageCommand {
    /// Reads what `json` writes, and whatever else `JSONDecoder` would accept of it.
    public init(json: ByteBuffer) throws(DecodingError) {
        let object = try JSONObjectReader(json)
        self.init(
            requestId: try object.string("requestId"),
            senderId: try object.uuid("senderId"),
            conversationId: try object.uuid("conversationId"),
            content: try object.string("content"),
            messageType: try object.enumValue("messageType", as: MessageType.self),
            clientMessageId: try object.string("clientMessageId"),
            attachment: try object.optionalObject("attachment").map { draft throws(DecodingError) in
                AttachmentDraft(
                    id: try draft.uuid("id"),
                    name: try draft.string("name"),
                    size: try draft.integer("size"),
                    mimeType: try draft.string("mimeType"),
                    sha256: try draft.string("sha256"),
                    storageKey: try draft.string("storageKey"),
                    width: try draft.optionalInteger("width").map(Int.init),
                    height: try draft.optionalInteger("height").map(Int.init)
                )
            },
            replyTo: try object.optionalUUID("replyTo"),
            call: try object.optionalObject("call").map { record throws(DecodingError) in try record.callRecord() }
        )
    }
}

extension PresenceEvent {
    /// `ChatJSON.encoder().encode(self)`, written directly: a gateway reports every connect
    /// and disconnect.
    public var json: ByteBuffer {
        JSONObjectWriter.object(capacity: 200 + self.gatewayId.utf8.count + self.connectionId.utf8.count) { object in
            object.string("connectionId", self.connectionId)
            object.uuid("conversationId", self.conversationId)
            object.string("gatewayId", self.gatewayId)
            object.bool("isTyping", self.isTyping)
            object.string("kind", self.kind.rawValue)
            object.uuid("userId", self.userId)
            object.bool("visible", self.visible)
        }
    }
}
