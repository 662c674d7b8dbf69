import JSONKit
import NIOCore

/// A client's event: its name, its arguments as raw JSON, and the ack id if it wants an answer.
public struct SocketIOEvent: Sendable, Equatable {
    public var name: String
    public var arguments: [ByteBuffer]
    public var ackID: Int?

    public init(name: String, arguments: [ByteBuffer] = [], ackID: Int? = nil) {
        self.name = name
        self.arguments = arguments
        self.ackID = ackID
    }

    /// Reads an EVENT packet; the payload must be a non-empty array whose first element is a string.
    public init(packet: SocketIOPacket) throws(SocketIOProtocolError) {
        let elements: [ByteBuffer]
        do {
            elements = try JSONArrayScanner.elements(of: packet.payload)
        } catch {
            throw .invalidJSON
        }
        guard let first = elements.first, let name = JSONString.decode(first) else {
            throw .invalidSocketIOPacket("an event needs a name")
        }
        self.init(name: name, arguments: Array(elements.dropFirst()), ackID: packet.ackID)
    }
}
