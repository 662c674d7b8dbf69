import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A part's headers, names lowercased.
public struct PartHeaders: Equatable, Sendable {
    public var fields: [(name: String, value: String)]

    public init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    public subscript(name: String) -> String? {
        self.fields.first { $0.name == name }?.value
    }

    /// `Content-Disposition: form-data; name="…"; filename="…"` (or `filename*=UTF-8''…`).
    public var disposition: (name: String?, filename: String?) {
        guard let value = self["content-disposition"] else { return (nil, nil) }
        let parameters = HeaderParameters.parse(value)
        return (parameters["name"], parameters["filename*"].flatMap(HeaderParameters.decodeExtended) ?? parameters["filename"])
    }

    public static func == (lhs: PartHeaders, rhs: PartHeaders) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }
}

/// What a multipart body holds, in the order it streams past.
public enum MultipartEvent: Equatable, Sendable {
    case partBegin(PartHeaders)
    case body(ByteBuffer)
    case partEnd
}

/// A streaming `multipart/form-data` parser: bytes go in as they arrive, events come out,
/// and no more than a delimiter's length of a part's body is ever held back — a 200 MB
/// file passes through in chunk-sized pieces.
public struct MultipartParser {
    public enum ParseError: Error, Equatable {
        case malformed(String)
    }

    private enum State {
        case preamble, afterDelimiter, headers, body, done
    }

    public static let maxHeaderBytes = 16 * 1024
    private let delimiter: [UInt8]
    private var pending = ByteBuffer()
    private var state = State.preamble

    public init(boundary: String) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        // The first delimiter has no CRLF before it; pretend it had.
        self.pending.writeStaticString("\r\n")
    }

    public var isFinished: Bool { self.state == .done }

    public mutating func feed(_ chunk: ByteBuffer) throws(ParseError) -> [MultipartEvent] {
        var events: [MultipartEvent] = []
        self.pending.writeImmutableBuffer(chunk)
        loop: while true {
            switch self.state {
            case .preamble:
                guard let index = self.find(self.delimiter) else {
                    self.keepTail()
                    break loop
                }
                self.pending.moveReaderIndex(forwardBy: index + self.delimiter.count)
                self.state = .afterDelimiter
            case .afterDelimiter:
                while let byte = self.pending.getInteger(at: self.pending.readerIndex, as: UInt8.self),
                    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                {
                    self.pending.moveReaderIndex(forwardBy: 1)
                }
                guard self.pending.readableBytes >= 2 else { break loop }
                let next = self.pending.getBytes(at: self.pending.readerIndex, length: 2)!
                if next == Array("--".utf8) {
                    self.state = .done
                } else if next == Array("\r\n".utf8) {
                    self.pending.moveReaderIndex(forwardBy: 2)
                    self.state = .headers
                } else {
                    throw .malformed("bad delimiter")
                }
            case .headers:
                if self.pending.readableBytesView.starts(with: Array("\r\n".utf8)) {
                    self.pending.moveReaderIndex(forwardBy: 2)
                    events.append(.partBegin(PartHeaders(fields: [])))
                    self.state = .body
                    continue
                }
                guard let end = self.find(Array("\r\n\r\n".utf8)) else {
                    guard self.pending.readableBytes <= Self.maxHeaderBytes else { throw .malformed("part headers too long") }
                    break loop
                }
                let block = self.pending.readString(length: end) ?? ""
                self.pending.moveReaderIndex(forwardBy: 4)
                events.append(.partBegin(try Self.parseHeaders(block)))
                self.state = .body
            case .body:
                guard let index = self.find(self.delimiter) else {
                    // All but what could be the start of a delimiter cut by the chunk's end.
                    let safe = self.pending.readableBytes - (self.delimiter.count - 1)
                    if safe > 0 { events.append(.body(self.pending.readSlice(length: safe)!)) }
                    break loop
                }
                // A delimiter is followed by "--", CRLF or padding; anything else is the part's data.
                guard let next = self.pending.getInteger(at: self.pending.readerIndex + index + self.delimiter.count, as: UInt8.self) else {
                    if index > 0 { events.append(.body(self.pending.readSlice(length: index)!)) }
                    break loop
                }
                guard [UInt8(ascii: "-"), UInt8(ascii: "\r"), UInt8(ascii: " "), UInt8(ascii: "\t")].contains(next) else {
                    events.append(.body(self.pending.readSlice(length: index + 1)!))
                    continue
                }
                if index > 0 { events.append(.body(self.pending.readSlice(length: index)!)) }
                self.pending.moveReaderIndex(forwardBy: self.delimiter.count)
                events.append(.partEnd)
                self.state = .afterDelimiter
            case .done:
                self.pending.clear()
                break loop
            }
        }
        if self.pending.readerIndex > 64 * 1024 { self.pending.discardReadBytes() }
        return events
    }

    /// The body ended: it must have ended with the closing delimiter.
    public func finish() throws(ParseError) {
        guard self.state == .done else { throw .malformed("the body ended inside a part") }
    }

    private mutating func keepTail() {
        let drop = self.pending.readableBytes - (self.delimiter.count - 1)
        if drop > 0 { self.pending.moveReaderIndex(forwardBy: drop) }
    }

    /// The offset of `needle` in the unread bytes: `memchr` to each candidate first byte, then `memcmp`.
    private func find(_ needle: [UInt8]) -> Int? {
        self.pending.withUnsafeReadableBytes { haystack -> Int? in
            guard let base = haystack.baseAddress, haystack.count >= needle.count else { return nil }
            let last = haystack.count - needle.count
            var offset = 0
            return needle.withUnsafeBytes { pattern -> Int? in
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(needle[0]), last - offset + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, pattern.baseAddress!, needle.count) == 0 { return index }
                    offset = index + 1
                }
                return nil
            }
        }
    }

    private static func parseHeaders(_ block: String) throws(ParseError) -> PartHeaders {
        var fields: [(String, String)] = []
        for line in block.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("bad part header") }
            fields.append(
                (
                    line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                )
            )
        }
        return PartHeaders(fields: fields)
    }
}
