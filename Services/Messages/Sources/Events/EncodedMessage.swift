import ChatModels
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat
import ServiceKit

/// A stored message's JSON, encoded once and spliced into every event and reply that
/// carries it: the encoder is most of what a message costs this service.
struct EncodedMessage: Sendable {
    let message: Message
    let json: ByteBuffer

    init(_ message: Message) {
        self.message = message
        self.json = message.json
    }

    /// `ChatNotification`'s JSON.
    var notification: ByteBuffer {
        JSONObjectWriter.object(capacity: self.json.readableBytes + 96) { object in
            object.uuid("conversationId", self.message.conversationId)
            object.json("message", self.json)
            object.string("type", ServerEvent.newMessage.rawValue)
        }
    }

    /// `CommandReply`'s JSON for this message.
    func reply(requestID: String) -> ByteBuffer {
        JSONObjectWriter.object(capacity: self.json.readableBytes + 32 + requestID.utf8.count) { object in
            object.json("message", self.json)
            object.string("requestId", requestID)
        }
    }
}
