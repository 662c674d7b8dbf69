import Foundation

/// Someone mail goes to or comes from: an address, and a name to show.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `"Ada Lovelace" <ada@example.com>`, the name encoded when it is not plain ASCII.
    var header: String {
        guard let name = self.name.map(MailMessage.singleLine), !name.isEmpty else { return "<\(self.address)>" }
        let plain = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
        return "\(plain ? name : MailMessage.encodedWord(name)) <\(self.address)>"
    }

    /// Parses `Name <address>` or a bare address (`MAIL_FROM`).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let name = trimmed[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
            self.init(address, name: name.isEmpty ? nil : name)
        } else {
            self.init(trimmed)
        }
        guard Self.isPlausible(self.address) else { return nil }
    }

    /// One `@` with something on each side, nothing that would break a header or a command.
    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !address.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control || "<>".unicodeScalars.contains($0)
            }
    }
}

/// A message in plain text and HTML (`multipart/alternative`: the reader's program shows
/// the one it prefers), rendered as RFC 5322 / MIME text, 7-bit throughout: bodies in
/// base64, non-ASCII headers as RFC 2047 encoded words.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String
    /// Further headers, such as `List-Unsubscribe` (names and values are made single-line).
    public var headers: [(String, String)]

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String, headers: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.subject == rhs.subject && lhs.text == rhs.text && lhs.html == rhs.html
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }

    /// The message as it goes after DATA (before dot-stuffing), CRLF line ends.
    public func rendered(date: Date = Date(), id: UUID = UUID()) -> String {
        let boundary = "=_chat_\(id.uuidString.lowercased())"
        let domain = self.from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        var lines = [
            "From: \(self.from.header)",
            "To: \(self.to.header)",
            "Subject: \(Self.headerText(self.subject))",
            "Date: \(Self.date(date))",
            "Message-ID: <\(id.uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
        ]
        for (name, value) in self.headers {
            let name = Self.singleLine(name).filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            if !name.isEmpty { lines.append("\(name): \(Self.headerText(value))") }
        }
        lines += ["Content-Type: multipart/alternative;", " boundary=\"\(boundary)\"", ""]
        for (type, body) in [("text/plain", self.text), ("text/html", self.html)] {
            lines += [
                "--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
                Self.base64Lines(body), "",
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A header's text: as it is if plain ASCII, else an encoded word; never a line break.
    static func headerText(_ text: String) -> String {
        let line = Self.singleLine(text)
        return line.allSatisfy { $0.isASCII } ? line : Self.encodedWord(line)
    }

    /// RFC 2047 B-encoding, in words of at most 30 bytes of UTF-8 (52 characters encoded:
    /// with a header's name a line stays within 78), split between characters.
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk = ""
        for character in text {
            if chunk.utf8.count + character.utf8.count > 30 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// Control characters (CR and LF among them) become spaces: no header is ever two.
    static func singleLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }.joined(separator: "\r\n")
    }

    /// RFC 5322's date: `Sun, 06 Dec 2026 21:47:25 +0000`.
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss +0000"
        return formatter.string(from: date)
    }
}
