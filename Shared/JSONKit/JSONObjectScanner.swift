import NIOCore

extension JSONArrayScanner {
    /// The members of a top-level JSON object, each value's bytes as they are, so a value
    /// can be passed on (spliced into another document) without being decoded. Structure
    /// is checked as for arrays; a key that is not a string, or a repeated key, is refused.
    public static func members(of bytes: ByteBuffer) throws(JSONSyntaxError) -> [String: ByteBuffer] {
        let ranges = try bytes.withUnsafeReadableBytes { raw throws(JSONSyntaxError) in try Self.memberRanges(raw) }
        var members: [String: ByteBuffer] = [:]
        for (keyRange, valueRange) in ranges {
            guard let key = JSONString.decode(bytes.getSlice(at: bytes.readerIndex + keyRange.lowerBound, length: keyRange.count)!),
                members[key] == nil
            else { throw JSONSyntaxError() }
            members[key] = bytes.getSlice(at: bytes.readerIndex + valueRange.lowerBound, length: valueRange.count)!
        }
        return members
    }

    static func memberRanges(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [(key: Range<Int>, value: Range<Int>)] {
        var members: [(key: Range<Int>, value: Range<Int>)] = []
        try Self.scanItems(bytes, open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { start throws(JSONSyntaxError) in
            guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { throw JSONSyntaxError() }
            let keyEnd = try Self.scanString(bytes, from: start)
            let colon = Self.skipWhitespace(bytes, keyEnd)
            guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else { throw JSONSyntaxError() }
            let valueStart = Self.skipWhitespace(bytes, colon + 1)
            let valueEnd = try Self.scanValue(bytes, from: valueStart)
            members.append((start..<keyEnd, valueStart..<valueEnd))
            return valueEnd
        }
        return members
    }
}
