import NIOCore

/// A reply from Redis in one of RESP2's shapes (hiredis 0.14 speaks RESP2 only).
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    case bulkString(ByteBuffer)
    case array([RESPValue])
    case null
}

extension RESPValue {
    /// The value as text: simple and bulk strings, and integers.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(buffer: bytes)
        case .integer(let number): String(number)
        case .error, .array, .null: nil
        }
    }

    /// The value as a number: integers, and strings holding one.
    public var int: Int? {
        switch self {
        case .integer(let number): number
        case .simpleString, .bulkString: self.string.flatMap { Int($0) }
        case .error, .array, .null: nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { values } else { nil }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: ByteBuffer? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): ByteBuffer(string: text)
        default: nil
        }
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// A write refused by a replica: the server is no longer the master.
    var isReadOnlyError: Bool {
        if case .error(let message) = self { message.hasPrefix("READONLY") } else { false }
    }
}
