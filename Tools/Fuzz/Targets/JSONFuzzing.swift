import ChatModels
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat

/// The readers that stand in for `JSONDecoder` on the hot path.
enum JSONFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let buffer = ByteBuffer(bytes: bytes)
        if let elements = try? JSONArrayScanner.elements(of: buffer) {
            for element in elements { Self.checkString(element) }
        }
        if let members = try? JSONArrayScanner.members(of: buffer) {
            for value in members.values { Self.checkString(value) }
        }
        Self.checkString(buffer)
        Self.checkUUID(bytes)
        Self.checkSendMessage(buffer)
    }

    /// A literal we decode, written back as we write strings, decodes to the same text.
    private static func checkString(_ bytes: ByteBuffer) {
        guard let text = JSONString.decode(bytes) else { return }
        var written = ByteBuffer()
        JSONString.write(text, into: &written)
        let again = JSONString.decode(written)
        FuzzCheck.require(again == text, "\(text.debugDescription) written as \(String(buffer: written)) read back as \(String(describing: again))")
    }

    private static func checkUUID(_ bytes: UnsafeRawBufferPointer) {
        guard let uuid = UUID(asciiBytes: bytes) else { return }
        FuzzCheck.require(UUID(text: uuid.text(lowercase: true)) == uuid, "\(uuid) does not read back from its own text")
        FuzzCheck.require(UUID(uuidString: uuid.uuidString) == uuid, "\(uuid) disagrees with Foundation")
    }

    /// What `JSONDecoder` accepts, the hand-written reader accepts with the same values.
    /// (The reader may accept more: it checks the structure of members it does not read.)
    /// Except raw control characters in strings, which RFC 8259 forbids and the reader
    /// refuses, while `JSONDecoder` lets them through.
    private static func checkSendMessage(_ bytes: ByteBuffer) {
        guard !Self.hasControlCharacterInString(bytes.readableBytesView),
            let expected = try? JSONDecoder().decode(SendMessagePayload.self, from: bytes)
        else { return }
        let read = try? SendMessagePayload(json: bytes)
        FuzzCheck.require(
            read?.conversationId == expected.conversationId && read?.content == expected.content
                && read?.messageType == expected.messageType && read?.clientMessageId == expected.clientMessageId,
            "JSONDecoder read \(expected), the reader \(String(describing: read))"
        )
    }

    private static func hasControlCharacterInString(_ bytes: some Collection<UInt8>) -> Bool {
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte < 0x20 {
                    return true
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
        }
        return false
    }
}
