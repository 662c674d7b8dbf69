import NIOCore

/// A server's reply: its code and its lines of text (several for `250-…` continuations).
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx and 3xx go on; 4xx may work later; 5xx will not.
    public var isPositive: Bool { self.code < 400 }
    public var isPermanentFailure: Bool { self.code >= 500 }
    public var text: String { self.lines.joined(separator: " ") }
}

/// Reads replies off the wire (RFC 5321 4.2): `ddd-text` lines continue one, `ddd text`
/// (or a bare `ddd`) ends it. Lines and replies are bounded, so a server cannot make the
/// client hold an endless one.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    static let maxLineBytes = 4096
    static let maxLines = 128

    private var pending: [String] = []
    private var code: Int?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            guard buffer.readableBytes <= Self.maxLineBytes else {
                throw SMTPError.protocolViolation("a reply line longer than \(Self.maxLineBytes) bytes")
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maxLineBytes else { throw SMTPError.protocolViolation("a reply line longer than \(Self.maxLineBytes) bytes") }
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(code),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-"), self.code == nil || self.code == code
        else {
            throw SMTPError.protocolViolation("not a reply line")
        }
        self.code = code
        self.pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard self.pending.count <= Self.maxLines else { throw SMTPError.protocolViolation("a reply of more than \(Self.maxLines) lines") }
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") { return .continue }
        context.fireChannelRead(Self.wrapInboundOut(SMTPReply(code: code, lines: self.pending)))
        self.pending = []
        self.code = nil
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try self.decode(context: context, buffer: &buffer)
    }
}
