import Foundation
import NIOCore
import NIOFoundationCompat

/// JSON string literals: encoded for frames we write, decoded from frames we read.
public enum JSONString {
    /// Decodes a JSON string literal; nil when the bytes are not one.
    public static func decode(_ bytes: ByteBuffer) -> String? {
        let view = bytes.readableBytesView
        guard view.count >= 2, view.first == UInt8(ascii: "\""), view.last == UInt8(ascii: "\"") else { return nil }
        let inner = view.dropFirst().dropLast()
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(validating: inner, as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: bytes)
    }

    /// Appends `text` as a JSON string literal, escaped as Foundation's `JSONEncoder` does
    /// (without escaping slashes): runs that need no escape are copied whole.
    public static func write(_ text: String, into buffer: inout ByteBuffer) {
        var text = text
        buffer.writeInteger(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(Self.hex[Int(byte >> 4)])
                    buffer.writeInteger(Self.hex[Int(byte & 0xF)])
                }
            }
            buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
