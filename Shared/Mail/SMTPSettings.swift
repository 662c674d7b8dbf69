import Foundation
import ServiceConfiguration

/// Where mail goes out: `SMTP_URL` (`smtp://user:password@host:587` with STARTTLS,
/// `smtps://…:465` with TLS from the start, `?tls=none` for a local sink only), who it is
/// from (`MAIL_FROM`) and whom to trust (`SMTP_CA_FILE`, else the system's roots).
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: Security
    public var user: String?
    public var password: String?
    /// PEM certificates to trust instead of the system's (a private CA, a test's own).
    public var caFile: String?
    public var timeout: Duration

    public enum Security: Sendable, Equatable {
        case none, startTLS, implicitTLS
    }

    public init(
        host: String,
        port: Int,
        security: Security,
        user: String? = nil,
        password: String? = nil,
        caFile: String? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }

    /// Parses an `SMTP_URL`; nil for anything else.
    public init?(url text: String, caFile: String? = nil, timeout: Duration = .seconds(30)) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { return nil }
        let tls = url.queryItems?.first { $0.name == "tls" }?.value
        guard tls == nil || tls == "none" || tls == "starttls", scheme == "smtp" || tls == nil else { return nil }
        let security: Security = scheme == "smtps" ? .implicitTLS : tls == "none" ? .none : .startTLS
        self.init(
            host: host,
            port: url.port ?? (scheme == "smtps" ? 465 : 587),
            security: security,
            user: url.percentEncodedUser.flatMap { $0.removingPercentEncoding },
            password: url.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            caFile: caFile,
            timeout: timeout
        )
    }

    public static let url = Setting<SMTPSettings?>(
        "SMTP_URL",
        default: nil,
        defaultText: "none (mail waits in the outbox)",
        accepts: "smtp://[user:password@]host[:port][?tls=none] or smtps://…",
        help: "where mail goes out: STARTTLS on smtp:// (required), TLS from the start on smtps://; `?tls=none` only for a local sink"
    ) { text in SMTPSettings(url: text).map { .some($0) } }
    public static let caFile = Setting<String?>(
        "SMTP_CA_FILE",
        default: nil,
        defaultText: "the system's roots",
        accepts: "a path to PEM certificates",
        help: "the certificates to trust for the SMTP server's TLS, instead of the system's"
    ) { .some($0) }
    public static let timeout = Setting.seconds("SMTP_TIMEOUT", default: .seconds(30), help: "how long one message may take to hand over")

    /// `SMTP_URL` with `SMTP_CA_FILE` and `SMTP_TIMEOUT`; nil when mail is off.
    public static func read(_ values: ConfigurationValues) throws(ConfigurationError) -> SMTPSettings? {
        let (caFile, timeout) = (try values.read(Self.caFile), try values.read(Self.timeout))
        guard var settings = try values.read(Self.url) else { return nil }
        settings.caFile = caFile
        settings.timeout = timeout
        return settings
    }
}
