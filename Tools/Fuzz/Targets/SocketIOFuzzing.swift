import JSONKit
import NIOCore
import SocketIO

/// What the gateway does with a client's frame before any handler sees it.
enum SocketIOFuzzing {
    static func frame(_ bytes: UnsafeRawBufferPointer) {
        Self.read(ByteBuffer(bytes: bytes))
    }

    static func pollingPayload(_ bytes: UnsafeRawBufferPointer) {
        for frame in EngineIOPayload.frames(ByteBuffer(bytes: bytes)) {
            Self.read(frame)
        }
    }

    private static func read(_ frame: ByteBuffer) {
        guard let engine = try? EngineIOPacket(parsing: frame), engine.type == .message,
            let packet = try? SocketIOPacket(parsing: engine.payload)
        else { return }
        Self.checkRoundTrip(packet)
        guard packet.type == .event || packet.type == .binaryEvent, let event = try? SocketIOEvent(packet: packet) else { return }
        // The arguments, put back in an array, scan to themselves: nothing is cut or merged.
        var array = ByteBuffer(string: "[")
        for (index, argument) in event.arguments.enumerated() {
            if index > 0 { array.writeString(",") }
            array.writeImmutableBuffer(argument)
        }
        array.writeString("]")
        let rescanned = try? JSONArrayScanner.elements(of: array)
        FuzzCheck.require(rescanned == event.arguments, "arguments \(event.arguments) rescanned as \(String(describing: rescanned))")
    }

    /// A packet we accepted, written as we write packets, reads back as the same packet.
    /// Only for payloads that start as a JSON container (every payload of the protocol
    /// does): a bare `/` or digit right after the header would read as namespace or ack id.
    private static func checkRoundTrip(_ packet: SocketIOPacket) {
        if let first = packet.payload.readableBytesView.first, first != UInt8(ascii: "["), first != UInt8(ascii: "{") { return }
        let encoded = packet.encodedFrame()
        let again = try? SocketIOPacket(parsing: encoded.getSlice(at: encoded.readerIndex + 1, length: encoded.readableBytes - 1)!)
        FuzzCheck.require(again == packet, "\(packet) encoded as \(String(buffer: encoded)) read back as \(String(describing: again))")
    }
}
