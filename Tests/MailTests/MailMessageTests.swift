import Foundation
import NIOCore
import NIOEmbedded
import ServiceConfiguration
import Testing

@testable import Mail

@Suite struct MailMessageTests {
    static let message = MailMessage(
        from: MailAddress("no-reply@chat.test", name: "Chat"),
        to: MailAddress("zoe@example.com", name: "Zoë\r\nBcc: evil@example.com"),
        subject: "Réinitialiser\nBcc: evil@example.com",
        text: "Hello Zoë,\nthe link: https://chat.test/chat/reset/abc\n",
        html: "<p>Hello Zoë</p>",
        headers: [("List-Unsubscribe", "<https://chat.test/u/1>"), ("X-Bad\r\nHeader", "v\r\nBcc: x@y.z")]
    )

    @Test func aMessageIsSevenBitAndNoHeaderCanBeInjected() throws {
        let id = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!
        let text = Self.message.rendered(date: Date(timeIntervalSince1970: 1_796_593_000), id: id)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        // Every header line is a header or a folded continuation; none says Bcc.
        for line in head.components(separatedBy: "\r\n") {
            #expect(line.hasPrefix(" ") || line.contains(": "), "\(line)")
            #expect(!line.lowercased().hasPrefix("bcc"))
        }
        #expect(head.contains("Date: Sun, 06 Dec 2026 21:36:40 +0000"))
        #expect(head.contains("Message-ID: <11111111-2222-3333-4444-555555555555@chat.test>"))
        #expect(head.contains("List-Unsubscribe: <https://chat.test/u/1>"))
        #expect(head.contains("X-BadHeader: v  Bcc: x@y.z"))
        #expect(head.contains("From: Chat <no-reply@chat.test>"))
        // The subject and the name as encoded words, which decode to the text on one line.
        let subject = try #require(head.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") })
        let lines = head.components(separatedBy: "\r\n")
        let folded = [subject] + lines.drop { $0 != subject }.dropFirst().prefix { $0.hasPrefix(" ") }
        let decoded = folded.map { line in
            let word = line.drop { $0 != "=" }.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return String(decoding: Data(base64Encoded: String(word))!, as: UTF8.self)
        }.joined()
        #expect(decoded == "Réinitialiser Bcc: evil@example.com")
        // Both bodies, base64 in lines of 76.
        let parts = text.components(separatedBy: "--=_chat_11111111-2222-3333-4444-555555555555")
        #expect(parts.count == 4 && parts[3].hasPrefix("--"))
        let plain = parts[1].components(separatedBy: "\r\n\r\n")[1].replacingOccurrences(of: "\r\n", with: "")
        #expect(String(decoding: Data(base64Encoded: plain)!, as: UTF8.self) == Self.message.text)
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func addressesParseWithTheirNames() {
        #expect(MailAddress(parsing: "Chat <no-reply@chat.test>") == MailAddress("no-reply@chat.test", name: "Chat"))
        #expect(MailAddress(parsing: "\"The Chat\" <a@b.c>") == MailAddress("a@b.c", name: "The Chat"))
        #expect(MailAddress(parsing: "a@b.c") == MailAddress("a@b.c"))
        for bad in ["", "nobody", "<>", "a@", "a b@c.d", "x <a@b.c\r\nRCPT TO:<e@f.g>>"] {
            #expect(MailAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func smtpURLsSayHowToConnect() {
        #expect(
            SMTPSettings(url: "smtp://mailer:p%40ss@mail.example.org")
                == SMTPSettings(host: "mail.example.org", port: 587, security: .startTLS, user: "mailer", password: "p@ss")
        )
        #expect(SMTPSettings(url: "smtps://mail.example.org")?.port == 465)
        #expect(SMTPSettings(url: "smtps://mail.example.org")?.security == .implicitTLS)
        #expect(SMTPSettings(url: "smtp://127.0.0.1:2525?tls=none") == SMTPSettings(host: "127.0.0.1", port: 2525, security: .none))
        for bad in ["", "http://mail.example.org", "smtp://", "smtps://h?tls=none", "smtp://h?tls=maybe"] {
            #expect(SMTPSettings(url: bad) == nil, "\(bad)")
        }
    }

    /// Replies as servers send them, in pieces; and what no server may send.
    @Test func repliesAreReadWholeAndBounded() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
        try channel.writeInbound(ByteBuffer(string: "250-sink.test Hello\r\n250-STARTTLS\r"))
        #expect(try channel.readInbound(as: SMTPReply.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "\n250 AUTH PLAIN LOGIN\r\n220\r\n"))
        #expect(try channel.readInbound(as: SMTPReply.self) == SMTPReply(code: 250, lines: ["sink.test Hello", "STARTTLS", "AUTH PLAIN LOGIN"]))
        #expect(try channel.readInbound(as: SMTPReply.self) == SMTPReply(code: 220, lines: [""]))
        for bad in ["HELLO\r\n", "250-a\r\n251 b\r\n", "999 x\r\n", String(repeating: "x", count: 5000)] {
            let fresh = EmbeddedChannel(handler: ByteToMessageHandler(SMTPReplyDecoder()))
            #expect(throws: SMTPError.self, "\(bad.prefix(20))") { try fresh.writeInbound(ByteBuffer(string: bad)) }
        }
    }
}
