/// Why a message was not handed over.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection, or it was lost before the server took the message.
    case connectionFailed(String)
    /// `SMTP_URL` asks for STARTTLS and the server does not offer it.
    case tlsUnavailable
    /// Credentials are set and the server offers no mechanism this client speaks.
    case authenticationUnavailable
    /// The server said no, at `stage` (greeting, ehlo, starttls, auth, mail, rcpt, data, message).
    case rejected(stage: String, code: Int, message: String)
    /// What the server sent is not SMTP.
    case protocolViolation(String)
    case timedOut

    /// Whether sending the same message again cannot work: the server refused the sender,
    /// the recipient or the message itself for good. Everything else (the server away,
    /// credentials or TLS misconfigured) may be mended meanwhile: it is tried again.
    public var isPermanent: Bool {
        if case .rejected(let stage, let code, _) = self { return code >= 500 && ["mail", "rcpt", "data", "message"].contains(stage) }
        return false
    }

    public var description: String {
        switch self {
        case .connectionFailed(let reason): "could not reach the SMTP server: \(reason)"
        case .tlsUnavailable: "the SMTP server does not offer STARTTLS, which SMTP_URL asks for"
        case .authenticationUnavailable: "the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN"
        case .rejected(let stage, let code, let message): "the SMTP server refused at \(stage): \(code) \(message)"
        case .protocolViolation(let what): "the SMTP server broke the protocol: \(what)"
        case .timedOut: "the SMTP server did not answer in time"
        }
    }
}
