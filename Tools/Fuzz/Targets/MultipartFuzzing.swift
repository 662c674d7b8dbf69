import FileTransfer
import NIOCore

/// The upload body parser: however the network cuts a body, it reads the same parts.
enum MultipartFuzzing {
    static let boundary = "XyZ"

    /// What a body read as: each part's headers and bytes, and whether it was refused.
    /// Two readings agree when both refused the body (the parts seen before a refusal
    /// depend on where the pieces were cut), or both read the same parts.
    struct Reading: Equatable {
        var parts: [(headers: PartHeaders, body: [UInt8])] = []
        var refused = false
        var finished = false

        static func == (lhs: Self, rhs: Self) -> Bool {
            guard lhs.refused == rhs.refused, lhs.finished == rhs.finished else { return false }
            return lhs.refused
                || (lhs.parts.count == rhs.parts.count && zip(lhs.parts, rhs.parts).allSatisfy { $0.headers == $1.headers && $0.body == $1.body })
        }
    }

    /// The first byte chooses the piece size, the rest is the body.
    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let body = ByteBuffer(bytes: bytes.dropFirst())
        let whole = Self.read(body, pieces: max(body.readableBytes, 1))
        let cut = Self.read(body, pieces: 1 + Int(first % 64))
        FuzzCheck.require(whole == cut, "read whole: \(whole); in pieces of \(1 + Int(first % 64)): \(cut)")
        let bodyBytes = whole.parts.reduce(0) { $0 + $1.body.count }
        FuzzCheck.require(bodyBytes <= body.readableBytes, "\(bodyBytes) bytes of parts from a \(body.readableBytes)-byte body")
    }

    static func read(_ body: ByteBuffer, pieces size: Int) -> Reading {
        var parser = MultipartParser(boundary: Self.boundary)
        var reading = Reading()
        var rest = body
        do {
            while let piece = rest.readSlice(length: min(size, rest.readableBytes)), piece.readableBytes > 0 {
                for event in try parser.feed(piece) {
                    switch event {
                    case .partBegin(let headers): reading.parts.append((headers, []))
                    case .body(let bytes): reading.parts[reading.parts.count - 1].body += bytes.readableBytesView
                    case .partEnd: break
                    }
                }
            }
            try parser.finish()
            reading.finished = true
        } catch {
            reading.refused = !parser.isFinished
        }
        return reading
    }
}
