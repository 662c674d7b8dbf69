import NIOCore

/// Socket.IO 5 packet types: the first character inside an Engine.IO message.
public enum SocketIOPacketType: UInt8, Sendable, CaseIterable {
    case connect = 0
    case disconnect, event, ack, connectError, binaryEvent, binaryAck

    var character: UInt8 { UInt8(ascii: "0") + self.rawValue }
    var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
}

/// One Socket.IO packet:
/// `<type>[<attachments>-][<namespace>,][<ack id>][JSON payload]`.
public struct SocketIOPacket: Sendable, Equatable {
    public var type: SocketIOPacketType
    public var namespace: String
    /// Binary frames that follow (binary packets only).
    public var attachments: Int
    public var ackID: Int?
    /// The JSON payload's bytes, unparsed; empty when there is none.
    public var payload: ByteBuffer

    /// Bounds that keep a hostile packet cheap to parse.
    public static let maxNamespaceLength = 128
    public static let maxAttachments = 16
    public static let maxAckIDDigits = 15

    public init(type: SocketIOPacketType, namespace: String = "/", attachments: Int = 0, ackID: Int? = nil, payload: ByteBuffer = ByteBuffer()) {
        self.type = type
        self.namespace = namespace
        self.attachments = attachments
        self.ackID = ackID
        self.payload = payload
    }

    /// Parses the payload of an Engine.IO message packet.
    public init(parsing bytes: ByteBuffer) throws(SocketIOProtocolError) {
        let view = bytes.readableBytesView
        var index = view.startIndex
        guard index < view.endIndex, view[index] >= UInt8(ascii: "0"), let type = SocketIOPacketType(rawValue: view[index] &- UInt8(ascii: "0"))
        else {
            throw .invalidSocketIOPacket("unknown packet type")
        }
        index += 1

        var attachments = 0
        if type.isBinary {
            let start = index
            while index < view.endIndex, view[index].isASCIIDigit, index - start < 3 { index += 1 }
            guard index > start, index < view.endIndex, view[index] == UInt8(ascii: "-"),
                let count = Int(String(decoding: view[start..<index], as: UTF8.self)), count <= Self.maxAttachments
            else { throw .invalidSocketIOPacket("bad attachment count") }
            attachments = count
            index += 1
        }

        var namespace = "/"
        if index < view.endIndex, view[index] == UInt8(ascii: "/") {
            let start = index
            while index < view.endIndex, view[index] != UInt8(ascii: ",") { index += 1 }
            guard index - start <= Self.maxNamespaceLength else { throw .invalidSocketIOPacket("namespace too long") }
            // Refused rather than repaired: a repaired name (U+FFFD for each bad byte) is
            // not the one sent, and could grow past the bound it was checked against.
            guard let name = String(validating: view[start..<index], as: UTF8.self) else {
                throw .invalidSocketIOPacket("namespace is not UTF-8")
            }
            namespace = name
            if index < view.endIndex { index += 1 }  // the comma
        }

        var ackID: Int?
        let digitsStart = index
        while index < view.endIndex, view[index].isASCIIDigit {
            index += 1
            guard index - digitsStart <= Self.maxAckIDDigits else { throw .invalidSocketIOPacket("ack id too long") }
        }
        if index > digitsStart {
            ackID = Int(String(decoding: view[digitsStart..<index], as: UTF8.self))
        }

        let offset = index - view.startIndex
        self.init(
            type: type,
            namespace: namespace,
            attachments: attachments,
            ackID: ackID,
            payload: bytes.getSlice(at: bytes.readerIndex + offset, length: bytes.readableBytes - offset) ?? ByteBuffer()
        )
    }

    /// The Engine.IO message frame (`4…`) carrying this packet.
    public func encodedFrame(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 24 + self.namespace.utf8.count + self.payload.readableBytes)
        buffer.writeInteger(EngineIOPacketType.message.character)
        buffer.writeInteger(self.type.character)
        if self.type.isBinary {
            buffer.writeString(String(self.attachments))
            buffer.writeInteger(UInt8(ascii: "-"))
        }
        if self.namespace != "/" {
            buffer.writeString(self.namespace)
            buffer.writeInteger(UInt8(ascii: ","))
        }
        if let ackID = self.ackID {
            buffer.writeString(String(ackID))
        }
        buffer.writeImmutableBuffer(self.payload)
        return buffer
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
