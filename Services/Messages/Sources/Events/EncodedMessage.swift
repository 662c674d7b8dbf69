import ChatModels
import Foundation
import NIOCore
import NIOFoundationCompat
import ServiceKit

/// A stored message's JSON, encoded once and spliced into every event and reply that
/// carries it: the encoder is most of what a message costs this service.
struct EncodedMessage: Sendable {
    let message: Message
    let json: ByteBuffer

    init(_ message: Message) throws {
        self.message = message
        self.json = ByteBuffer(bytes: try ChatJSON.encoder().encode(message))
    }

    /// `ChatNotification`'s JSON.
    var notification: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(self.json.readableBytes + 96)
        buffer.writeString(#"{"conversationId":""#)
        buffer.writeString(self.message.conversationId.uuidString)
        buffer.writeString(#"","message":"#)
        buffer.writeImmutableBuffer(self.json)
        buffer.writeString(#","type":"new_message"}"#)
        return buffer
    }

    /// `CommandReply`'s JSON for this message.
    func reply(requestID: String) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(self.json.readableBytes + 32 + requestID.utf8.count)
        buffer.writeString(#"{"message":"#)
        buffer.writeImmutableBuffer(self.json)
        buffer.writeString(#","requestId":"#)
        // Gateways make request ids plain; anything else is escaped by the encoder.
        if requestID.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            buffer.writeString("\"\(requestID)\"")
        } else {
            buffer.writeBytes(try JSONEncoder().encode(requestID))
        }
        buffer.writeString("}")
        return buffer
    }
}
