import NIOCore

/// What the load tool puts in a message's content so that any receiver can tell, without
/// decoding the JSON around it, who sent it, which of theirs it was, and when:
/// `lt|<sender>|<number>|<sent at, monotonic ns>`. A server stores and relays content as
/// it is, so the probe comes back intact in `new_message` whatever else the server adds.
public struct Probe: Equatable, Sendable {
    public var sender: Int
    public var number: Int
    public var sentAt: UInt64

    public init(sender: Int, number: Int, sentAt: UInt64) {
        self.sender = sender
        self.number = number
        self.sentAt = sentAt
    }

    public var content: String { "lt|\(self.sender)|\(self.number)|\(self.sentAt)" }

    /// The probe in a frame's `"content"` field, if there is one.
    public init?(in frame: ByteBuffer) {
        let bytes = frame.readableBytesView
        guard var index = FrameScan.valueStart(of: "content", in: bytes), index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else {
            return nil
        }
        index += 1
        for expected in "lt|".utf8 {
            guard index < bytes.endIndex, bytes[index] == expected else { return nil }
            index += 1
        }
        var fields: [UInt64] = []
        fields.reserveCapacity(3)
        while fields.count < 3 {
            var value: UInt64 = 0
            var digits = 0
            while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 20 {
                value = value &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            guard digits > 0, index < bytes.endIndex else { return nil }
            fields.append(value)
            let separator = fields.count < 3 ? UInt8(ascii: "|") : UInt8(ascii: "\"")
            guard bytes[index] == separator else { return nil }
            index += 1
        }
        guard fields[0] <= UInt64(Int.max), fields[1] <= UInt64(Int.max) else { return nil }
        self.init(sender: Int(fields[0]), number: Int(fields[1]), sentAt: fields[2])
    }
}

/// Byte-level looks into Socket.IO frames, cheap enough for every frame of a load test.
public enum FrameScan {
    /// The index just past `"key":` (and any spaces after it), searching from the start.
    static func valueStart(of key: String, in bytes: ByteBufferView) -> ByteBufferView.Index? {
        let pattern = Array("\"\(key)\"".utf8)
        guard bytes.count >= pattern.count else { return nil }
        var index = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while index <= last {
            if bytes[index] == pattern[0], bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                var after = index + pattern.count
                while after < bytes.endIndex, bytes[after] == UInt8(ascii: " ") { after += 1 }
                guard after < bytes.endIndex, bytes[after] == UInt8(ascii: ":") else {
                    index += 1
                    continue
                }
                after += 1
                while after < bytes.endIndex, bytes[after] == UInt8(ascii: " ") { after += 1 }
                return after
            }
            index += 1
        }
        return nil
    }

    /// Whether an ack's payload says `"ok": true` (as this gateway and python-socketio do).
    public static func isOK(_ payload: ByteBuffer) -> Bool {
        let bytes = payload.readableBytesView
        guard let start = valueStart(of: "ok", in: bytes) else { return false }
        return bytes[start...].starts(with: "true".utf8)
    }

    /// `["name"` for an event name: what an EVENT payload of that event starts with.
    public static func eventPrefix(_ name: String) -> [UInt8] { Array("[\"\(name)\"".utf8) }

    /// Whether an EVENT payload is of the event whose `eventPrefix` this is.
    public static func payload(_ payload: ByteBuffer, startsWith prefix: [UInt8]) -> Bool {
        payload.readableBytesView.starts(with: prefix)
    }
}
