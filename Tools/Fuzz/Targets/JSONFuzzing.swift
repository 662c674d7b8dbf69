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
        FuzzCheck.require(UUID(text: uuid.text()) == uuid, "\(uuid) does not read back from its own text")
        FuzzCheck.require(UUID(uuidString: uuid.uuidString) == uuid, "\(uuid) disagrees with Foundation")
    }

    /// `send_message`'s payload reads as Foundation's parser reads it: where the members
    /// scan (the reader refuses repeated keys by design) and Foundation finds a UUID (by
    /// our rules: Foundation's own takes `+b` for hex), a string content and valid
    /// optional members, the reader must accept with the same values. Raw control
    /// characters in strings, which RFC 8259 forbids and the reader refuses, are left out.
    private static func checkSendMessage(_ bytes: ByteBuffer) {
        guard !Self.hasControlCharacterInString(bytes.readableBytesView), (try? JSONArrayScanner.members(of: bytes)) != nil,
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any],
            let idText = object["conversationId"] as? String, let conversationID = UUID(text: idText),
            let content = object["content"] as? String,
            let messageType = Self.optional(object["messageType"], { ($0 as? String).flatMap(MessageType.init(rawValue:)) }),
            let clientMessageID = Self.optional(object["clientMessageId"], { $0 as? String })
        else { return }
        let read = try? SendMessagePayload(json: bytes)
        FuzzCheck.require(
            read?.conversationId == conversationID && read?.content == content && read?.messageType == messageType
                && read?.clientMessageId == clientMessageID,
            "Foundation read \(idText) \(content.debugDescription) \(String(describing: messageType)) \(String(describing: clientMessageID)), the reader \(String(describing: read))"
        )
    }

    /// An optional member: `.some(nil)` when absent or null, `.some(value)` when valid, nil when invalid.
    private static func optional<T>(_ value: Any?, _ convert: (Any) -> T?) -> T?? {
        guard let value, !(value is NSNull) else { return .some(nil) }
        guard let converted = convert(value) else { return nil }
        return .some(converted)
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
