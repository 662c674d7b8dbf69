import Foundation
import NIOCore

/// Writes a JSON object straight into a buffer, for the types every message crosses the
/// bus as, without `JSONEncoder`'s boxing of each value and `snprintf` per UUID. Fields are written in
/// the order given, which callers keep sorted, so the bytes are `ChatJSON.encoder()`'s;
/// a nil value is left out, as the synthesized `Encodable` does.
public struct JSONObjectWriter {
    private var buffer: ByteBuffer
    private var empty = true

    /// One object, in a buffer of its own: `body` adds its fields.
    public static func object(capacity: Int = 256, _ body: (inout JSONObjectWriter) -> Void) -> ByteBuffer {
        var writer = JSONObjectWriter(buffer: ByteBuffer())
        writer.buffer.reserveCapacity(capacity)
        writer.fields(body)
        return writer.buffer
    }

    private init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// `{`, what `body` writes, `}`.
    private mutating func fields(_ body: (inout JSONObjectWriter) -> Void) {
        self.buffer.writeInteger(UInt8(ascii: "{"))
        self.empty = true
        body(&self)
        self.buffer.writeInteger(UInt8(ascii: "}"))
        self.empty = false
    }

    private mutating func key(_ name: StaticString) {
        if !self.empty { self.buffer.writeInteger(UInt8(ascii: ",")) }
        self.empty = false
        self.buffer.writeInteger(UInt8(ascii: "\""))
        self.buffer.writeStaticString(name)
        self.buffer.writeStaticString("\":")
    }

    public mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(name)
        JSONString.write(value, into: &self.buffer)
    }

    public mutating func uuid(_ name: StaticString, _ value: UUID?) {
        guard let value else { return }
        self.key(name)
        self.buffer.writeInteger(UInt8(ascii: "\""))
        self.buffer.writeUUID(value)
        self.buffer.writeInteger(UInt8(ascii: "\""))
    }

    public mutating func integer(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        self.key(name)
        self.buffer.writeString(String(value))
    }

    public mutating func bool(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        self.key(name)
        self.buffer.writeStaticString(value ? "true" : "false")
    }

    /// A value already in JSON.
    public mutating func json(_ name: StaticString, _ value: ByteBuffer?) {
        guard let value else { return }
        self.key(name)
        self.buffer.writeImmutableBuffer(value)
    }

    public mutating func object(_ name: StaticString, _ body: (inout JSONObjectWriter) -> Void) {
        self.key(name)
        self.fields(body)
    }

    public mutating func array<Element>(_ name: StaticString, _ elements: [Element], _ body: (inout JSONObjectWriter, Element) -> Void) {
        self.key(name)
        self.buffer.writeInteger(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { self.buffer.writeInteger(UInt8(ascii: ",")) }
            self.fields { body(&$0, element) }
        }
        self.buffer.writeInteger(UInt8(ascii: "]"))
    }
}
