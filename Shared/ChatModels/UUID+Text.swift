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

    /// Parses the 36-character textual form, in either case, from bytes.
    public init?(asciiBytes bytes: some Collection<UInt8>) {
        guard bytes.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var high: UInt8? = nil
        var written = 0
        let parsed = withUnsafeMutableBytes(of: &value) { out -> Bool in
            for (position, byte) in bytes.enumerated() {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
                default: return false
                }
                if let first = high {
                    out[written] = first << 4 | nibble
                    written += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return written == 16
        }
        guard parsed else { return nil }
        self.init(uuid: value)
    }

    /// Parses the textual form, as `UUID(uuidString:)` does.
    public init?(text: some StringProtocol) {
        guard let parsed = UUID(asciiBytes: text.utf8) else { return nil }
        self = parsed
    }

    /// The 36 characters of the textual form (`uuidString`'s upper case by default), for
    /// `body` to copy.
    public func withText<Result>(lowercase: Bool = false, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let digits = lowercase ? Self.lowerDigits : Self.upperDigits
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

    /// The textual form: `uuidString`, or its lower case.
    public func text(lowercase: Bool = false) -> String {
        self.withText(lowercase: lowercase) { String(decoding: $0, as: UTF8.self) }
    }

    private static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    private static let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
