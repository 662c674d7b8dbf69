import Foundation

/// One message handed to a server (RFC 5321), as a value: each reply (and the end of a TLS
/// handshake) moves it on and says what to do next, so that the dialogue is tested without
/// a socket. The channel handler only carries the actions out.
struct SMTPStateMachine {
    enum Security: Sendable, Equatable {
        /// Plain text throughout (a local sink).
        case none
        /// STARTTLS, required: no credentials or message goes in the clear.
        case startTLS
        /// TLS from the first byte (`smtps://`, port 465).
        case implicitTLS
    }

    enum Action: Equatable {
        /// A command line, without its CRLF.
        case send(String)
        /// The message, dot-stuffed and ended with `CRLF.CRLF`.
        case sendMessage(String)
        /// Put TLS under the connection; `tlsEstablished()` follows.
        case startTLS
        /// The server took the message: say QUIT and close.
        case delivered
        case fail(SMTPError)
        /// Close the connection (QUIT answered).
        case close
        /// Nothing to do yet.
        case wait
    }

    private enum State {
        case greeting
        case ehlo(secured: Bool)
        case startingTLS, handshaking, authPlain, authLoginUser, authLoginPassword
        case mailFrom, rcptTo, data, message, quitting, done
    }

    let security: Security
    let credentials: (user: String, password: String)?
    let clientName: String
    let sender: String
    let recipient: String
    let data: String
    private var state = State.greeting
    private var capabilities: Set<String> = []
    private var authMechanisms: Set<String> = []

    init(security: Security, credentials: (user: String, password: String)?, clientName: String, sender: String, recipient: String, data: String) {
        self.security = security
        self.credentials = credentials
        self.clientName = clientName
        self.sender = sender
        self.recipient = recipient
        self.data = data
    }

    mutating func received(_ reply: SMTPReply) -> Action {
        switch self.state {
        case .greeting:
            guard reply.code == 220 else { return self.fail("greeting", reply) }
            return self.ehlo(secured: self.security == .implicitTLS)
        case .ehlo(let secured):
            guard reply.code == 250 else { return self.fail("ehlo", reply) }
            self.capabilities = Set(reply.lines.dropFirst().map { $0.split(separator: " ").first.map { $0.uppercased() } ?? "" })
            self.authMechanisms = Set(
                reply.lines.dropFirst().compactMap { line -> [String]? in
                    let words = line.uppercased().split(separator: " ").map(String.init)
                    return words.first == "AUTH" ? Array(words.dropFirst()) : nil
                }.joined()
            )
            if self.security == .startTLS && !secured {
                guard self.capabilities.contains("STARTTLS") else { return self.finish(.fail(.tlsUnavailable)) }
                self.state = .startingTLS
                return .send("STARTTLS")
            }
            return self.authenticate()
        case .startingTLS:
            guard reply.code == 220 else { return self.fail("starttls", reply) }
            self.state = .handshaking
            return .startTLS
        case .handshaking:
            return self.finish(.fail(.protocolViolation("a reply during the TLS handshake")))
        case .authPlain:
            guard reply.code == 235 else { return self.fail("auth", reply) }
            return self.mailFrom()
        case .authLoginUser:
            guard reply.code == 334, let credentials else { return self.fail("auth", reply) }
            self.state = .authLoginPassword
            return .send(Self.base64(credentials.user))
        case .authLoginPassword:
            guard reply.code == 334, let credentials else { return self.fail("auth", reply) }
            self.state = .authPlain  // 235 next, as for PLAIN
            return .send(Self.base64(credentials.password))
        case .mailFrom:
            guard reply.code == 250 else { return self.fail("mail", reply) }
            self.state = .rcptTo
            return .send("RCPT TO:<\(self.recipient)>")
        case .rcptTo:
            guard reply.code == 250 || reply.code == 251 else { return self.fail("rcpt", reply) }
            self.state = .data
            return .send("DATA")
        case .data:
            guard reply.code == 354 else { return self.fail("data", reply) }
            self.state = .message
            return .sendMessage(Self.dotStuffed(self.data))
        case .message:
            guard reply.code == 250 else { return self.fail("message", reply) }
            self.state = .quitting
            return .delivered
        case .quitting:
            self.state = .done
            return .close
        case .done:
            return .close
        }
    }

    /// The TLS handshake after STARTTLS finished: greet again, as RFC 3207 asks.
    mutating func tlsEstablished() -> Action {
        // TLS from the first byte: the server's greeting comes next, as on a plain connection.
        if self.security == .implicitTLS, case .greeting = self.state { return .wait }
        guard case .handshaking = self.state else { return self.finish(.fail(.protocolViolation("TLS where none was asked"))) }
        return self.ehlo(secured: true)
    }

    private mutating func ehlo(secured: Bool) -> Action {
        self.state = .ehlo(secured: secured)
        return .send("EHLO \(self.clientName)")
    }

    private mutating func authenticate() -> Action {
        guard let credentials else { return self.mailFrom() }
        if self.authMechanisms.contains("PLAIN") {
            self.state = .authPlain
            return .send("AUTH PLAIN " + Self.base64("\0\(credentials.user)\0\(credentials.password)"))
        }
        if self.authMechanisms.contains("LOGIN") {
            self.state = .authLoginUser
            return .send("AUTH LOGIN")
        }
        return self.finish(.fail(.authenticationUnavailable))
    }

    private mutating func mailFrom() -> Action {
        // An address beyond ASCII needs the server's SMTPUTF8 (RFC 6531).
        let international = !(self.sender + self.recipient).allSatisfy(\.isASCII)
        if international && !self.capabilities.contains("SMTPUTF8") {
            return self.finish(.fail(.rejected(stage: "rcpt", code: 553, message: "the server cannot take an address beyond ASCII (no SMTPUTF8)")))
        }
        self.state = .mailFrom
        return .send("MAIL FROM:<\(self.sender)>" + (international ? " SMTPUTF8" : ""))
    }

    private mutating func fail(_ stage: String, _ reply: SMTPReply) -> Action {
        self.finish(.fail(.rejected(stage: stage, code: reply.code, message: String(reply.text.prefix(200)))))
    }

    private mutating func finish(_ action: Action) -> Action {
        self.state = .done
        return action
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The message as DATA carries it (RFC 5321 4.5.2): CRLF line ends, a leading dot
    /// doubled, ended by a line holding one dot.
    static func dotStuffed(_ message: String) -> String {
        var lines = message.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
