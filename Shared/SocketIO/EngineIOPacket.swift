import NIOCore

/// Engine.IO 4 packet types: the first character of every text frame.
public enum EngineIOPacketType: UInt8, Sendable, CaseIterable {
    case open = 0
    case close, ping, pong, message, upgrade, noop

    var character: UInt8 { UInt8(ascii: "0") + self.rawValue }
}

/// One Engine.IO packet from a WebSocket text frame: its type and what follows it.
public struct EngineIOPacket: Sendable, Equatable {
    public var type: EngineIOPacketType
    public var payload: ByteBuffer

    public init(type: EngineIOPacketType, payload: ByteBuffer = ByteBuffer()) {
        self.type = type
        self.payload = payload
    }

    /// Parses a text frame; anything that does not start with a packet type digit is refused.
    public init(parsing frame: ByteBuffer) throws(SocketIOProtocolError) {
        guard let first = frame.getInteger(at: frame.readerIndex, as: UInt8.self),
            first >= UInt8(ascii: "0"),
            let type = EngineIOPacketType(rawValue: first &- UInt8(ascii: "0"))
        else { throw .invalidEngineIOPacket }
        self.init(type: type, payload: frame.getSlice(at: frame.readerIndex + 1, length: frame.readableBytes - 1) ?? ByteBuffer())
    }
}

/// Input that breaks the Engine.IO or Socket.IO protocol. The connection is closed on it.
public enum SocketIOProtocolError: Error, Sendable, Equatable {
    case invalidEngineIOPacket
    case invalidSocketIOPacket(String)
    case invalidJSON
}
