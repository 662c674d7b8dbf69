import NIOCore

/// A whole server-to-client WebSocket text frame (final, unmasked): header and payload in
/// one buffer. Written below NIO's frame encoder, so a broadcast is framed once and every
/// socket gets the same bytes, a reference to one buffer.
struct ServerFrame: Sendable {
    let bytes: ByteBuffer
    /// A conversation's message: its room's channel and its seq (what a recovering socket
    /// already had replayed is told apart by them).
    let channel: String?
    let seq: Int64?

    init(text payload: ByteBuffer, room: (channel: String, seq: Int64)? = nil, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.channel = room?.channel
        self.seq = room?.seq
        let length = payload.readableBytes
        var bytes = allocator.buffer(capacity: 10 + length)
        bytes.writeInteger(UInt8(0x81))  // FIN | text
        switch length {
        case ..<126:
            bytes.writeInteger(UInt8(length))
        case ...0xFFFF:
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        default:
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        bytes.writeImmutableBuffer(payload)
        self.bytes = bytes
    }

    /// The Engine.IO packet inside, without the WebSocket header (a slice, not a copy): what
    /// a long-polling response carries.
    var payload: ByteBuffer {
        let second = self.bytes.getInteger(at: self.bytes.readerIndex + 1, as: UInt8.self) ?? 0
        let header = second < 126 ? 2 : second == 126 ? 4 : 10
        return self.bytes.getSlice(at: self.bytes.readerIndex + header, length: self.bytes.readableBytes - header) ?? ByteBuffer()
    }
}
