import EventBus
import Foundation
import Testing

@testable import UploadsApp

/// A picture's size from its header, in each format, and nothing believed that the header
/// does not say plainly.
@Suite struct ImageDimensionsTests {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func be32(_ value: Int) -> [UInt8] { be16(value >> 16) + be16(value) }
    static func le32(_ value: Int) -> [UInt8] { le16(value) + le16(value >> 16) }

    static func png(width: Int, height: Int) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(width) + be32(height) + [8, 2, 0, 0, 0]
    }

    static func gif(width: Int, height: Int) -> [UInt8] {
        Array("GIF89a".utf8) + le16(width) + le16(height) + [0xF7, 0, 0]
    }

    static func webp(_ chunk: String, _ body: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le32(4 + 8 + body.count) + Array("WEBP".utf8) + Array(chunk.utf8) + le32(body.count) + body
    }

    /// A JPEG: SOI, an EXIF block with `orientation` (when given), a padding APP segment,
    /// then a baseline frame header of that size.
    static func jpeg(width: Int, height: Int, orientation: Int? = nil, bigEndian: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + be16(16) + Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        if let orientation {
            let u16 = bigEndian ? be16 : le16
            let u32 = bigEndian ? be32 : le32
            let tiff =
                Array((bigEndian ? "MM" : "II").utf8) + u16(42) + u32(8) + u16(2)
                + u16(0x010F) + u16(2) + u32(4) + Array("cam\0".utf8)  // Make, before the orientation
                + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0] + u32(0)
            let exif = Array("Exif\0\0".utf8) + tiff
            bytes += [0xFF, 0xE1] + be16(exif.count + 2) + exif
        }
        bytes += [0xFF, 0xE2] + be16(2 + 300) + [UInt8](repeating: 0x20, count: 300)
        bytes += [0xFF, 0xDB] + be16(2 + 65) + [UInt8](repeating: 1, count: 65)
        bytes += [0xFF, 0xFF, 0xC0] + be16(17) + [8] + be16(height) + be16(width) + [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
        return bytes + [0xFF, 0xDA, 0, 8]
    }

    @Test func eachFormatStatesItsSize() {
        let cases: [(String, [UInt8], ImageDimensions?)] = [
            ("image/png", Self.png(width: 640, height: 480), ImageDimensions(width: 640, height: 480)),
            ("image/gif", Self.gif(width: 320, height: 200), ImageDimensions(width: 320, height: 200)),
            (
                "image/webp", Self.webp("VP8 ", [0x50, 0x2C, 0x01, 0x9D, 0x01, 0x2A] + Self.le16(800) + Self.le16(600 | 0x4000)),
                ImageDimensions(width: 800, height: 600)
            ),
            ("image/webp", Self.webp("VP8L", [0x2F] + Self.le32((1023 - 1) | (767 - 1) << 14)), ImageDimensions(width: 1023, height: 767)),
            ("image/webp", Self.webp("VP8X", [0x10, 0, 0, 0] + [0xFF, 0x0F, 0] + [0x9F, 0x0F, 0]), ImageDimensions(width: 4096, height: 4000)),
            ("image/jpeg", Self.jpeg(width: 1200, height: 900), ImageDimensions(width: 1200, height: 900)),
            ("image/jpeg", Self.jpeg(width: 1200, height: 900, orientation: 1), ImageDimensions(width: 1200, height: 900)),
            ("image/jpeg", Self.jpeg(width: 1200, height: 900, orientation: 3), ImageDimensions(width: 1200, height: 900)),
            ("image/jpeg", Self.jpeg(width: 4032, height: 3024, orientation: 6), ImageDimensions(width: 3024, height: 4032)),
            ("image/jpeg", Self.jpeg(width: 4032, height: 3024, orientation: 8, bigEndian: true), ImageDimensions(width: 3024, height: 4032)),
        ]
        for (mimeType, bytes, expected) in cases {
            #expect(ImageDimensions(mimeType: mimeType, head: bytes) == expected, "\(mimeType) \(bytes.count) bytes")
        }
    }

    @Test func whatTheHeaderDoesNotSayPlainlyIsNotBelieved() {
        #expect(ImageDimensions(mimeType: "image/png", head: Self.png(width: 0, height: 10)) == nil)
        #expect(ImageDimensions(mimeType: "image/png", head: Self.png(width: 100_000, height: 10)) == nil)
        #expect(ImageDimensions(mimeType: "image/png", head: Self.png(width: 10, height: 1 << 31)) == nil)
        #expect(ImageDimensions(mimeType: "image/jpeg", head: Self.jpeg(width: 10, height: 0)) == nil)
        #expect(ImageDimensions(mimeType: "application/pdf", head: Self.png(width: 10, height: 10)) == nil)
        #expect(ImageDimensions(mimeType: "image/webp", head: Self.webp("VP8 ", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0])) == nil)
        // A segment whose length runs past what was kept, or an EXIF directory pointing far off.
        #expect(ImageDimensions(mimeType: "image/jpeg", head: [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45]) == nil)
        var farOff = Self.jpeg(width: 30, height: 20, orientation: 6)
        let tiff = 20 + 4 + 6  // after SOI and JFIF, the EXIF segment's marker, length and "Exif\0\0"
        farOff.replaceSubrange(tiff + 4..<tiff + 8, with: Self.le32(0x7FFF_FFF0))  // IFD0's offset
        #expect(ImageDimensions(mimeType: "image/jpeg", head: farOff) == ImageDimensions(width: 30, height: 20))
    }

    @Test func everyTruncatedHeaderIsNilOrRightAndNeverTraps() {
        for (mimeType, bytes) in [
            ("image/png", Self.png(width: 7, height: 9)), ("image/gif", Self.gif(width: 7, height: 9)),
            ("image/jpeg", Self.jpeg(width: 7, height: 9, orientation: 6)),
            ("image/webp", Self.webp("VP8X", [0, 0, 0, 0, 6, 0, 0, 8, 0, 0])),
        ] {
            for length in 0...bytes.count {
                let read = ImageDimensions(mimeType: mimeType, head: Array(bytes.prefix(length)))
                #expect(read == nil || read == ImageDimensions(width: 7, height: 9) || read == ImageDimensions(width: 9, height: 7))
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 4 { bytes[0...3] = [0xFF, 0xD8, 0xFF, [0xE1, 0xC0, 0xFF, 0x01].randomElement(using: &generator)!] }
            for mimeType in ["image/png", "image/gif", "image/webp", "image/jpeg"] {
                _ = ImageDimensions(mimeType: mimeType, head: bytes)
            }
        }
    }

    /// A 50,000 × 50,000 PNG is 10 GB of pixels for every browser that shows it: past 16,384 a
    /// side or 64 megapixels a picture is sent as a file. A 48-megapixel photo is shown.
    @Test func onlyWhatABrowserDecodesWithoutStrainIsShownInline() throws {
        for (width, height, shown) in [
            (8064, 6048, true), (16_384, 3_000, true), (16_385, 10, false), (50_000, 50_000, false), (8_001, 8_000, false),
        ] {
            #expect(try #require(ImageDimensions(width: width, height: height)).showsInline == shown, "\(width) × \(height)")
        }
        #expect(UploadRoutes.showsInline(Self.draft(mimeType: "image/png", width: nil, height: nil)))
        #expect(!UploadRoutes.showsInline(Self.draft(mimeType: "image/png", width: 50_000, height: 50_000)))
        #expect(!UploadRoutes.showsInline(Self.draft(mimeType: "application/pdf", width: nil, height: nil)))
    }

    private static func draft(mimeType: String, width: Int?, height: Int?) -> AttachmentDraft {
        AttachmentDraft(id: UUID(), name: "p", size: 1, mimeType: mimeType, sha256: "", storageKey: "", width: width, height: height)
    }
}
