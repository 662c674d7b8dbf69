import Foundation
import NIOCore
import Testing

@testable import UploadsApp

@Suite struct UploadRulesTests {
    @Test(
        arguments: [
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "image/png", true),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "image/jpeg", true),
            (Array("GIF89a....".utf8), "image/gif", true),
            (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), "image/webp", true),
            (Array("%PDF-1.7".utf8), "application/pdf", false),
            ([0x50, 0x4B, 0x03, 0x04], "application/zip", false),
            (Array("<html><script>".utf8), "application/octet-stream", false),
            (Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8), "application/octet-stream", false),
            ([0x89, 0x50], "application/octet-stream", false),
            ([], "application/octet-stream", false),
        ] as [([UInt8], String, Bool)]
    )
    func theTypeComesFromTheBytes(bytes: [UInt8], mimeType: String, isImage: Bool) {
        #expect(ContentSniffer.sniff(bytes) == ContentSniffer.Kind(mimeType: mimeType, isImage: isImage))
    }

    @Test(
        arguments: [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\boot.ini", "boot.ini"),
            ("..", "file"),
            (".", "file"),
            ("", "file"),
            (nil, "file"),
            ("/", "file"),
            (".hidden", "hidden"),
            ("a\u{0}b\u{7}c\nd.txt", "abcd.txt"),
            ("\u{202E}gnp.exe", "gnp.exe"),
            ("  report final.pdf  ", "report final.pdf"),
            ("résumé 履歴書.pdf", "résumé 履歴書.pdf"),
        ] as [(String?, String)]
    )
    func displayNamesAreSanitized(raw: String?, expected: String) {
        #expect(FileNames.sanitize(raw) == expected)
    }

    @Test func longNamesKeepTheirExtension() {
        let name = FileNames.sanitize(String(repeating: "ü", count: 300) + ".jpeg")
        #expect(name.utf8.count <= FileNames.maxBytes && name.hasSuffix(".jpeg"))
    }

    @Test func contentDispositionHasAnASCIIFallbackAndTheUTF8Name() {
        #expect(FileNames.contentDisposition("a \"b\".png", inline: true) == #"inline; filename="a _b_.png"; filename*=UTF-8''a%20%22b%22.png"#)
        #expect(FileNames.contentDisposition("€.pdf", inline: false) == #"attachment; filename="_.pdf"; filename*=UTF-8''%E2%82%AC.pdf"#)
    }
}
