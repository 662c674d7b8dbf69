import ChatModels
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat

/// An event as it crosses the bus: a one-line header, then the event's data as JSON. A
/// gateway frames the data for Socket.IO once per event, never re-encoding it, and reads
/// the header without a JSON decoder (every gateway reads every header it hears).
///
/// The header's tab-separated fields: the event's name; a user whose sockets must not get
/// it (the typist); an id by which a gateway delivers it once however often it is
/// published; the message's `seq`; a conversation whose joined sockets must not get it;
/// and, comma-separated, on the users channel the users whose sockets get it, on a status
/// or a conversation's channel users whose sockets it passes by.
public struct BusEnvelope: Sendable, Hashable {
    public var event: String
    public var skipUser: UUID?
    public var id: String?
    public var seq: Int64?
    /// Not to sockets that joined this conversation (they get the message itself).
    public var skipRoom: UUID?
    /// On ``BusChannel/users``: the users whose sockets get it; on a status or conversation
    /// channel, users whose sockets it passes by (those with a block between them).
    public var audience: [UUID]
    /// On ``BusChannel/users``: only the audience's socket with this connection id (a call's
    /// signal goes to the one socket in the call, not to every device).
    public var connection: String?
    public var data: ByteBuffer

    /// An event of any name as the wire has it (a client's, or a command's reply).
    init(
        name event: String,
        skipUser: UUID? = nil,
        id: String? = nil,
        seq: Int64? = nil,
        skipRoom: UUID? = nil,
        audience: [UUID] = [],
        connection: String? = nil,
        data: ByteBuffer
    ) {
        self.event = event
        self.skipUser = skipUser
        self.id = id
        self.seq = seq
        self.skipRoom = skipRoom
        self.audience = audience
        self.connection = connection
        self.data = data
    }

    /// An event for clients.
    public init(
        event: ServerEvent,
        skipUser: UUID? = nil,
        id: String? = nil,
        seq: Int64? = nil,
        skipRoom: UUID? = nil,
        audience: [UUID] = [],
        connection: String? = nil,
        data: ByteBuffer
    ) {
        self.init(
            name: event.rawValue,
            skipUser: skipUser,
            id: id,
            seq: seq,
            skipRoom: skipRoom,
            audience: audience,
            connection: connection,
            data: data
        )
    }

    /// On a conversation's channel, for gateways only: `audience` left the conversation, so
    /// their sockets leave its room here, in order with its messages (the users channel, on
    /// another shard of a cluster, tells them, in no order with this channel).
    public static func leftRoom(_ users: [UUID], data: ByteBuffer) -> BusEnvelope {
        BusEnvelope(name: Self.leftRoomEvent, audience: users, data: data)
    }

    public static let leftRoomEvent = "bus:left_room"

    /// A command's reply, on the channel of the instance that sent the command.
    public static func reply(_ data: ByteBuffer) -> BusEnvelope {
        BusEnvelope(name: CommandReply.event, data: data)
    }

    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let comma = UInt8(ascii: ",")

    public func encoded() throws -> ByteBuffer {
        guard !self.event.utf8.contains(where: { $0 == Self.tab || $0 == Self.newline }),
            !(self.id?.utf8.contains(where: { $0 == Self.tab || $0 == Self.newline }) ?? false),
            !(self.connection?.utf8.contains(where: { $0 == Self.tab || $0 == Self.newline }) ?? false)
        else { throw EnvelopeError.unencodable }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + 37 * self.audience.count + self.data.readableBytes)
        buffer.writeString(self.event)
        buffer.writeInteger(Self.tab)
        if let skipUser { buffer.writeUUID(skipUser) }
        buffer.writeInteger(Self.tab)
        if let id { buffer.writeString(id) }
        buffer.writeInteger(Self.tab)
        if let seq { buffer.writeString(String(seq)) }
        buffer.writeInteger(Self.tab)
        if let skipRoom { buffer.writeUUID(skipRoom) }
        buffer.writeInteger(Self.tab)
        for (index, user) in self.audience.enumerated() {
            if index > 0 { buffer.writeInteger(Self.comma) }
            buffer.writeUUID(user)
        }
        // A seventh field only when there is one: envelopes without it read as before.
        if let connection {
            buffer.writeInteger(Self.tab)
            buffer.writeString(connection)
        }
        buffer.writeInteger(Self.newline)
        buffer.writeImmutableBuffer(self.data)
        return buffer
    }

    /// Parses a published payload; nil for anything that is not an envelope.
    public init?(decoding payload: ByteBuffer) {
        let parsed: BusEnvelope? = payload.withUnsafeReadableBytes { bytes in
            guard let newline = bytes.firstIndex(of: Self.newline) else { return nil }
            var fields: [Range<Int>] = []
            fields.reserveCapacity(6)
            var start = 0
            for index in 0..<newline where bytes[index] == Self.tab {
                fields.append(start..<index)
                start = index + 1
            }
            fields.append(start..<newline)
            guard fields.count == 6 || fields.count == 7, !fields[0].isEmpty else { return nil }
            func text(_ range: Range<Int>) -> String? {
                range.isEmpty ? nil : String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            func uuid(_ range: Range<Int>) -> UUID?? {
                range.isEmpty ? .some(nil) : UUID(asciiBytes: UnsafeRawBufferPointer(rebasing: bytes[range])).map { .some($0) }
            }
            guard let skipUser = uuid(fields[1]), let skipRoom = uuid(fields[4]) else { return nil }
            var seq: Int64?
            if let digits = text(fields[3]) {
                guard let value = Int64(digits) else { return nil }
                seq = value
            }
            var audience: [UUID] = []
            if !fields[5].isEmpty {
                // 36 characters and a comma each.
                let list = fields[5]
                audience.reserveCapacity((list.count + 1) / 37)
                var memberStart = list.lowerBound
                while memberStart <= list.upperBound {
                    let memberEnd = min(memberStart + 36, list.upperBound)
                    guard let user = UUID(asciiBytes: UnsafeRawBufferPointer(rebasing: bytes[memberStart..<memberEnd])) else { return nil }
                    audience.append(user)
                    guard memberEnd < list.upperBound else { break }
                    guard bytes[memberEnd] == Self.comma else { return nil }
                    memberStart = memberEnd + 1
                }
            }
            return BusEnvelope(
                name: text(fields[0])!,
                skipUser: skipUser,
                id: text(fields[2]),
                seq: seq,
                skipRoom: skipRoom,
                audience: audience,
                connection: fields.count == 7 ? text(fields[6]) : nil,
                data: payload.getSlice(at: payload.readerIndex + newline + 1, length: bytes.count - newline - 1)!
            )
        }
        guard let parsed else { return nil }
        self = parsed
    }

    enum EnvelopeError: Error {
        /// A tab or newline in the event's name or id would break the header.
        case unencodable
    }
}
