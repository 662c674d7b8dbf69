import NIOCore

/// Splits a top-level JSON array into its elements without decoding them, so an event's
/// name can be read and each argument decoded into its own type straight from the frame.
/// It checks structure (brackets, strings, separators), not every token: each element is
/// still decoded by `JSONDecoder`, which refuses what this lets through.
public enum JSONArrayScanner {
    public static let maxDepth = 64

    public static func elements(of bytes: ByteBuffer) throws(JSONSyntaxError) -> [ByteBuffer] {
        let ranges = try bytes.withUnsafeReadableBytes { raw throws(JSONSyntaxError) in try Self.elementRanges(raw) }
        return ranges.map { bytes.getSlice(at: bytes.readerIndex + $0.lowerBound, length: $0.count)! }
    }

    static func elementRanges(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [Range<Int>] {
        var elements: [Range<Int>] = []
        try Self.scanItems(bytes, open: UInt8(ascii: "["), close: UInt8(ascii: "]")) { start throws(JSONSyntaxError) in
            let end = try Self.scanValue(bytes, from: start)
            elements.append(start..<end)
            return end
        }
        return elements
    }

    /// Walks the one container `bytes` holds, separators and all; `item` scans each item
    /// from its first byte and returns the index just past it.
    static func scanItems(
        _ bytes: UnsafeRawBufferPointer,
        open: UInt8,
        close: UInt8,
        item: (Int) throws(JSONSyntaxError) -> Int
    ) throws(JSONSyntaxError) {
        var index = Self.skipWhitespace(bytes, 0)
        guard index < bytes.count, bytes[index] == open else { throw JSONSyntaxError() }
        index = Self.skipWhitespace(bytes, index + 1)
        if index < bytes.count, bytes[index] == close {
            index += 1
        } else {
            while true {
                index = Self.skipWhitespace(bytes, try item(index))
                guard index < bytes.count else { throw JSONSyntaxError() }
                if bytes[index] == close {
                    index += 1
                    break
                }
                guard bytes[index] == UInt8(ascii: ",") else { throw JSONSyntaxError() }
                index = Self.skipWhitespace(bytes, index + 1)
            }
        }
        guard Self.skipWhitespace(bytes, index) == bytes.count else { throw JSONSyntaxError() }
    }

    /// The index just past the value starting at `start`.
    static func scanValue(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(JSONSyntaxError) -> Int {
        guard start < bytes.count else { throw JSONSyntaxError() }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try Self.scanString(bytes, from: start)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var closers: [UInt8] = []
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index = try Self.scanString(bytes, from: index)
                    continue
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    guard closers.count < Self.maxDepth else { throw JSONSyntaxError() }
                    closers.append(byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}"))
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    guard closers.popLast() == byte else { throw JSONSyntaxError() }
                    if closers.isEmpty { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            throw JSONSyntaxError()
        default:
            var index = start
            while index < bytes.count, !Self.endsScalar(bytes[index]) { index += 1 }
            guard index > start else { throw JSONSyntaxError() }
            return index
        }
    }

    static func scanString(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(JSONSyntaxError) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            case 0..<0x20: throw JSONSyntaxError()
            default: index += 1
            }
        }
        throw JSONSyntaxError()
    }

    static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") || Self.isWhitespace(byte)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var index = start
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index
    }
}

/// Bytes that are not the JSON a scanner expected.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public init() {}
}
