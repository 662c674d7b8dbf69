import Foundation

/// UUIDs to and from text without Foundation's C helpers, which every message crosses
/// several times: on Linux `uuidString` formats with `snprintf`, `UUID(uuidString:)` parses
/// with `sscanf`, and `UUID()` opens, reads and closes `/dev/urandom` each time.
extension UUID {
    /// A random (version 4) UUID from the system's generator, in one `getrandom` call.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// A time-ordered (version 7) UUID: the Unix time in milliseconds in its first 48 bits,
    /// then random bits, so ids made later sort after (RFC 9562 §5.7).
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return withUnsafeMutableBytes(of: &bytes) { raw in
            for index in 0..<6 { raw[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * index)) }
            raw[6] = raw[6] & 0x0F | 0x70  // version 7
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// Parses the 36-character textual form, in either case, from bytes. Not generic: a
    /// generic parser called across modules walks a `String`'s bytes through witness calls.
    public init?(asciiBytes bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 36, bytes[8] == Self.dash, bytes[13] == Self.dash, bytes[18] == Self.dash, bytes[23] == Self.dash else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &value) { out -> Bool in
            var invalid: UInt8 = 0
            for index in 0..<16 {
                let high = Self.nibbles[Int(bytes[Self.digitPositions[index]])]
                let low = Self.nibbles[Int(bytes[Self.digitPositions[index] + 1])]
                invalid |= high | low
                out[index] = high << 4 | low
            }
            return invalid & 0xF0 == 0
        }
        guard parsed else { return nil }
        self.init(uuid: value)
    }

    private static let dash = UInt8(ascii: "-")
    /// Where each byte's two hex digits start in the text.
    private static let digitPositions = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]
    /// Each ASCII byte's value as a hex digit; 0xFF for what is not one.
    private static let nibbles: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(byte) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }

    /// Parses the textual form, as `UUID(uuidString:)` does.
    public init?(text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ UUID(asciiBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// The 36 characters of the textual form, in lower case as RFC 9562 asks of output
    /// (`uuidString` writes upper case), for `body` to copy.
    public func withText<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let digits = Self.digits
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes of room
        return try withUnsafeBytes(of: self.uuid) { value in
            try withUnsafeMutableBytes(of: &text) { out in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    out[position] = digits[Int(value[index] >> 4)]
                    out[position + 1] = digits[Int(value[index] & 0x0F)]
                    position += 2
                }
                return try body(UnsafeRawBufferPointer(rebasing: out[0..<36]))
            }
        }
    }

    /// The textual form, in lower case.
    public func text() -> String {
        self.withText { String(decoding: $0, as: UTF8.self) }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
