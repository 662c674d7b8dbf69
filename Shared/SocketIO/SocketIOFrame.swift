import JSONKit
import NIOCore

/// The text frames a server sends, built directly into one buffer each, so that a
/// broadcast is encoded once and the same bytes go to every socket.
public enum SocketIOFrame {
    /// `42["name",data]`; `data` must be one JSON value. With an `offset` (connection-state
    /// recovery), `42["name",data,"offset"]`: the client keeps the last one it saw.
    public static func event(
        _ name: String,
        data: ByteBuffer,
        offset: String? = nil,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 10 + name.utf8.count + data.readableBytes + (offset?.utf8.count ?? 0))
        buffer.writeStaticString("42[")
        JSONString.write(name, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeImmutableBuffer(data)
        if let offset {
            buffer.writeInteger(UInt8(ascii: ","))
            JSONString.write(offset, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
        return buffer
    }

    /// `43<id>[data]`: the answer to a client's event.
    public static func ack(_ id: Int, data: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 24 + data.readableBytes)
        buffer.writeStaticString("43")
        buffer.writeString(String(id))
        buffer.writeInteger(UInt8(ascii: "["))
        buffer.writeImmutableBuffer(data)
        buffer.writeInteger(UInt8(ascii: "]"))
        return buffer
    }

    /// `40{"sid":"…"}`: the namespace connection is accepted; with a `pid`, state recovery is on.
    public static func connected(sid: String, pid: String? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("40{\"sid\":")
        JSONString.write(sid, into: &buffer)
        if let pid {
            buffer.writeStaticString(",\"pid\":")
            JSONString.write(pid, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// `44[/ns,]{"message":"…","data":{…}}`: the namespace connection is refused.
    public static func connectError(namespace: String = "/", message: String, data: ByteBuffer? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("44")
        if namespace != "/" {
            buffer.writeString(namespace)
            buffer.writeInteger(UInt8(ascii: ","))
        }
        buffer.writeStaticString("{\"message\":")
        JSONString.write(message, into: &buffer)
        if let data {
            buffer.writeStaticString(",\"data\":")
            buffer.writeImmutableBuffer(data)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// `41`: the server ends the session (JS clients then do not reconnect on their own).
    public static let disconnect = ByteBuffer(string: "41")
    /// `2`: the server's ping.
    public static let ping = ByteBuffer(string: "2")

    /// `0{…}`: the Engine.IO handshake, the first frame of a connection.
    public static func open(sid: String, pingInterval: Duration, pingTimeout: Duration, maxPayload: Int, upgrades: [String] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("0{\"sid\":")
        JSONString.write(sid, into: &buffer)
        buffer.writeStaticString(",\"upgrades\":[")
        for (index, upgrade) in upgrades.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            JSONString.write(upgrade, into: &buffer)
        }
        buffer.writeString(
            "],\"pingInterval\":\(TimeAmount(pingInterval).nanoseconds / 1_000_000),\"pingTimeout\":\(TimeAmount(pingTimeout).nanoseconds / 1_000_000),\"maxPayload\":\(maxPayload)}"
        )
        return buffer
    }
}
