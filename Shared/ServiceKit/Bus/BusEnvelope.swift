import ChatModels
import Foundation
import NIOCore
import NIOFoundationCompat

/// An event as it crosses the bus: a one-line JSON header — the event's name, a user whose
/// sockets must not get it (the typist), an id by which a gateway delivers it once however
/// often it is published, the message's `seq` — then the event's data as JSON. A gateway frames the data
/// for Socket.IO once per event, never re-encoding it.
public struct BusEnvelope: Sendable, Hashable {
    public var event: String
    public var skipUser: UUID?
    public var id: String?
    public var seq: Int64?
    public var data: ByteBuffer

    public init(event: String, skipUser: UUID? = nil, id: String? = nil, seq: Int64? = nil, data: ByteBuffer) {
        self.event = event
        self.skipUser = skipUser
        self.id = id
        self.seq = seq
        self.data = data
    }

    public init(event: String, skipUser: UUID? = nil, id: String? = nil, seq: Int64? = nil, encoding value: some Encodable) throws {
        self.init(event: event, skipUser: skipUser, id: id, seq: seq, data: ByteBuffer(bytes: try ChatJSON.encoder().encode(value)))
    }

    private struct Header: Codable {
        var e: String
        var x: UUID?
        var i: String?
        var s: Int64?
    }

    public func encoded() throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: try JSONEncoder().encode(Header(e: self.event, x: self.skipUser, i: self.id, s: self.seq)))
        buffer.writeInteger(UInt8(ascii: "\n"))
        buffer.writeImmutableBuffer(self.data)
        return buffer
    }

    /// Parses a published payload; nil for anything that is not an envelope.
    public init?(decoding payload: ByteBuffer) {
        guard let newline = payload.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
            let headerBytes = payload.getSlice(at: payload.readerIndex, length: newline - payload.readerIndex),
            let header = try? JSONDecoder().decode(Header.self, from: headerBytes),
            let data = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1)
        else { return nil }
        self.init(event: header.e, skipUser: header.x, id: header.i, seq: header.s, data: data)
    }
}
