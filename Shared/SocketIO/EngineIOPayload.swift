import NIOCore

/// A long-polling body: Engine.IO packets joined by the record separator, which cannot
/// appear in a text packet (the protocol sends binary as base64 there).
public enum EngineIOPayload {
    public static let separator = UInt8(0x1E)

    /// The frames of a POST body, in order; empty frames included, for the packet parser to refuse.
    public static func frames(_ body: ByteBuffer) -> [ByteBuffer] {
        body.readableBytesView.split(separator: Self.separator, omittingEmptySubsequences: false).map { ByteBuffer(bytes: $0) }
    }

    /// The body of a GET answering with `frames`.
    public static func joined(_ frames: [ByteBuffer], capacity: Int = 0) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.reserveCapacity(capacity + frames.count)
        for (index, frame) in frames.enumerated() {
            if index > 0 { payload.writeInteger(Self.separator) }
            payload.writeImmutableBuffer(frame)
        }
        return payload
    }
}
