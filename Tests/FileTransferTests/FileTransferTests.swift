import FileTransfer
import Foundation
import NIOCore
import Testing

@Suite struct MultipartParserTests {
    static let body = Array(
        ("preamble to ignore\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"content\"\r\n\r\n"
            + "a caption\r\n"
            + "--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"photo \\\"1\\\".png\"\r\n"
            + "Content-Type: image/png\r\n\r\n"
            + "\r\n--XyZno this is data --XyZ\r\r\n\u{0}\u{1}"
            + "\r\n--XyZ--\r\nepilogue").utf8
    )

    /// Feeds the body in pieces of `size` and gathers what comes out, merging body pieces.
    static func parse(_ bytes: [UInt8], pieces size: Int) throws -> [(PartHeaders, [UInt8])] {
        var parser = MultipartParser(boundary: "XyZ")
        var parts: [(PartHeaders, [UInt8])] = []
        var index = 0
        while index < bytes.count {
            let end = min(index + size, bytes.count)
            for event in try parser.feed(ByteBuffer(bytes: bytes[index..<end])) {
                switch event {
                case .partBegin(let headers): parts.append((headers, []))
                case .body(let chunk): parts[parts.count - 1].1 += Array(chunk.readableBytesView)
                case .partEnd: break
                }
            }
            index = end
        }
        try parser.finish()
        return parts
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13, 64, 4096])
    func partsComeOutWhateverTheChunking(size: Int) throws {
        let parts = try Self.parse(Self.body, pieces: size)
        #expect(parts.count == 2)
        #expect(parts[0].0.disposition.name == "content" && parts[0].0.disposition.filename == nil)
        #expect(String(decoding: parts[0].1, as: UTF8.self) == "a caption")
        #expect(parts[1].0.disposition.filename == "photo \"1\".png")
        #expect(parts[1].0["content-type"] == "image/png")
        #expect(parts[1].1 == Array("\r\n--XyZno this is data --XyZ\r\r\n\u{0}\u{1}".utf8))
    }

    @Test func aLargePartStreamsWithoutBeingHeldBack() throws {
        var parser = MultipartParser(boundary: "b")
        _ = try parser.feed(ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n"))
        let chunk = ByteBuffer(repeating: 7, count: 65_536)
        var passed = 0
        for _ in 0..<100 {
            for case .body(let bytes) in try parser.feed(chunk) { passed += bytes.readableBytes }
        }
        // Everything but a delimiter's length has gone out already.
        #expect(passed >= 100 * 65_536 - "\r\n--b".utf8.count)
        for case .body(let bytes) in try parser.feed(ByteBuffer(string: "\r\n--b--")) { passed += bytes.readableBytes }
        #expect(passed == 100 * 65_536)
        try parser.finish()
    }

    @Test(arguments: [
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",  // never closed
        "--XyZ\r\nno colon here\r\n\r\nvalue\r\n--XyZ--",
        "--XyZ!!",
        "no delimiter at all",
    ])
    func malformedBodiesAreRefused(body: String) {
        #expect(throws: MultipartParser.ParseError.self) { _ = try Self.parse(Array(body.utf8), pieces: 3) }
    }

    @Test func endlessHeadersAreRefused() throws {
        var parser = MultipartParser(boundary: "b")
        _ = try parser.feed(ByteBuffer(string: "--b\r\n"))
        #expect(throws: MultipartParser.ParseError.self) {
            for _ in 0..<40 { _ = try parser.feed(ByteBuffer(string: "X-Header: " + String(repeating: "v", count: 1000) + "\r\n")) }
        }
    }

    @Test func headerParametersAreReadWithQuotesAndEncodings() {
        let parameters = HeaderParameters.parse(#"form-data; name="file"; filename="a; b.png"; filename*=UTF-8''%E2%82%AC%20rates.pdf"#)
        #expect(parameters["name"] == "file" && parameters["filename"] == "a; b.png")
        #expect(parameters["filename*"].flatMap(HeaderParameters.decodeExtended) == "€ rates.pdf")
        #expect(HeaderParameters.parse("multipart/form-data; boundary=----WebKit123")["boundary"] == "----WebKit123")
        #expect(HeaderParameters.parse(#"form-data; filename="C:\Users\me\a.png""#)["filename"] == #"C:\Users\me\a.png"#)
        #expect(HeaderParameters.parse(#"attachment; filename="say \"hi\".txt""#)["filename"] == #"say "hi".txt"#)
    }
}

@Suite struct ByteRangeTests {
    @Test(
        arguments: [
            (nil, ByteRange.whole),
            ("bytes=0-9", .partial(0...9)),
            ("bytes=90-", .partial(90...99)),
            ("bytes=-5", .partial(95...99)),
            ("bytes=-500", .partial(0...99)),
            ("bytes=50-5000", .partial(50...99)),
            ("bytes=100-", .unsatisfiable),
            ("bytes=-0", .unsatisfiable),
            ("bytes=9-3", .whole),
            ("bytes=0-1,5-6", .whole),
            ("items=0-9", .whole),
            ("bytes=x-y", .whole),
        ] as [(String?, ByteRange)]
    )
    func rangesAreResolvedAgainstTheSize(header: String?, expected: ByteRange) {
        #expect(ByteRange(header: header, size: 100) == expected)
    }
}
