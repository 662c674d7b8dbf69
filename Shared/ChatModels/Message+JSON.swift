import Foundation
import JSONKit
import NIOCore

// The JSON of the models every message crosses the wire as, written and read without
// `JSONEncoder`/`JSONDecoder`: the bytes are `ChatJSON.encoder()`'s, keys in sorted
// order, and what is refused is refused as the decoder would (WireJSONTests checks both).

extension Message {
    /// `ChatJSON.encoder().encode(self)`, written directly.
    public var json: ByteBuffer {
        JSONObjectWriter.object(capacity: 240 + self.content.utf8.count + 200 * self.attachments.count) { object in
            object.array("attachments", self.attachments) { object, attachment in
                object.file(attachment) { object in object.string("url", attachment.url) }
            }
            if let call = self.call {
                object.object("call") { object in object.callRecord(call) }
            }
            object.integer("changeSeq", self.changeSeq)
            object.string("clientMessageId", self.clientMessageId)
            object.string("content", self.content)
            object.uuid("conversationId", self.conversationId)
            object.string("createdAt", ChatJSON.format(self.createdAt))
            object.string("deletedAt", self.deletedAt.map(ChatJSON.format))
            object.string("editedAt", self.editedAt.map(ChatJSON.format))
            object.uuid("id", self.id)
            object.string("messageType", self.messageType.rawValue)
            object.array("reactions", self.reactions) { object, reaction in
                object.integer("count", Int64(reaction.count))
                object.string("emoji", reaction.emoji)
                object.bool("me", reaction.me)
            }
            if let reply = self.replyTo {
                object.object("replyTo") { object in
                    object.bool("deleted", reply.deleted)
                    object.uuid("id", reply.id)
                    object.string("messageType", reply.messageType.rawValue)
                    object.uuid("senderId", reply.senderId)
                    object.integer("seq", reply.seq)
                    object.string("snippet", reply.snippet)
                }
            }
            object.uuid("senderId", self.senderId)
            object.integer("seq", self.seq)
            object.integer("version", self.version)
        }
    }
}

extension JSONObjectWriter {
    /// The members a file has in every shape (`Attachment`, `AttachmentDraft`), sorted, with
    /// the shape's own (`url`, `storageKey`), which sort between `size` and `width`.
    public mutating func file(_ file: some AttachedFile, _ own: (inout JSONObjectWriter) -> Void) {
        self.integer("height", file.height.map(Int64.init))
        self.uuid("id", file.id)
        self.string("mimeType", file.mimeType)
        self.string("name", file.name)
        self.string("sha256", file.sha256)
        self.integer("size", file.size)
        own(&self)
        self.integer("width", file.width.map(Int64.init))
    }
}

extension SendMessagePayload {
    /// `send_message`'s argument, read as `JSONDecoder` would.
    public init(json: ByteBuffer) throws(DecodingError) {
        let object = try JSONObjectReader(json)
        self.init(
            conversationId: try object.uuid("conversationId"),
            content: try object.string("content"),
            messageType: try object.optionalEnum("messageType", as: MessageType.self),
            clientMessageId: try object.optionalString("clientMessageId"),
            replyTo: try object.optionalUUID("replyTo")
        )
    }
}
