import Foundation
import Mail
import ServiceConfiguration

/// What mail needs besides the SMTP server: who it is from, the product's name, and the
/// public address links in it point to.
public struct MailSettings: Sendable {
    /// Nil: no SMTP server; mail waits in the outbox until one is configured.
    public var smtp: SMTPSettings?
    public var from: MailAddress
    public var productName: String
    /// Where the page is, as people reach it (`https://chat.example.org`): links in mail.
    public var publicURL: URL
    /// How long a password reset link works.
    public var resetLifetime: Duration
    /// The first wait after a failed attempt; each next one doubles, up to an hour.
    public var retryAfter: Duration
    /// Whether a new account confirms its address (a link by mail) before it may write to anyone.
    public var verificationRequired: Bool
    /// How long messages stay unread, their reader away (no socket), before a mail tells of them.
    public var notifyAfter: Duration
    /// How often unread messages are looked for.
    public var notifyEvery: Duration

    public init(
        smtp: SMTPSettings? = nil,
        from: MailAddress = Self.from.defaultValue,
        productName: String = Self.productName.defaultValue,
        publicURL: URL = Self.publicURL.defaultValue,
        resetLifetime: Duration = Self.resetLifetime.defaultValue,
        retryAfter: Duration = Self.retryAfter.defaultValue,
        verificationRequired: Bool = Self.verification.defaultValue,
        notifyAfter: Duration = Self.notifyAfter.defaultValue,
        notifyEvery: Duration = Self.notifyEvery.defaultValue
    ) {
        self.smtp = smtp
        self.from = from
        self.productName = productName
        self.publicURL = publicURL
        self.resetLifetime = resetLifetime
        self.retryAfter = retryAfter
        self.verificationRequired = verificationRequired
        self.notifyAfter = notifyAfter
        self.notifyEvery = notifyEvery
    }

    public static let from = Setting<MailAddress>(
        "MAIL_FROM",
        default: MailAddress("no-reply@localhost", name: "Chat"),
        defaultText: "`Chat <no-reply@localhost>`",
        accepts: "an address, with a name: Name <address>",
        help: "who mail is from"
    ) { MailAddress(parsing: $0) }
    public static let productName = Setting.string("PRODUCT_NAME", default: "Chat", help: "the product's name, in mail")
    public static let publicURL = Setting<URL>(
        "PUBLIC_URL",
        default: URL(string: "http://127.0.0.1:8080")!,
        defaultText: "`http://127.0.0.1:8080`",
        accepts: "an http(s):// URL",
        help: "where people reach the page: the links in mail start with it"
    ) { text in
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), ["http", "https"].contains(url.scheme ?? ""),
            url.host != nil
        else { return nil }
        return url
    }

    public static let resetLifetime = Setting.seconds("PASSWORD_RESET_TTL", default: .seconds(1800), help: "how long a password reset link works")
    public static let retryAfter = Setting.seconds(
        "MAIL_RETRY_AFTER",
        default: .seconds(30),
        help: "the wait after mail could not be handed over; it doubles with each attempt, up to an hour, for about a day"
    )

    public static let verification = Setting.choice(
        "EMAIL_VERIFICATION",
        default: "off",
        ["off": false, "required": true],
        help:
            "`required`: a new account confirms its address by a mailed link before it may message, call, upload or open a conversation (set it where SMTP_URL is)"
    )

    public static let notifyAfter = Setting.seconds(
        "EMAIL_NOTIFY_AFTER",
        default: .seconds(600),
        help: "how long messages stay unread, their reader with no socket open, before a mail tells of them (one a conversation an hour at most)"
    )
    public static let notifyEvery = Setting.seconds(
        "EMAIL_NOTIFY_EVERY",
        default: .seconds(60),
        help: "how often unread messages are looked for, to mail"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            smtp: try SMTPSettings.read(values),
            from: try values.read(Self.from),
            productName: try values.read(Self.productName),
            publicURL: try values.read(Self.publicURL),
            resetLifetime: try values.read(Self.resetLifetime),
            retryAfter: try values.read(Self.retryAfter),
            verificationRequired: try values.read(Self.verification),
            notifyAfter: try values.read(Self.notifyAfter),
            notifyEvery: try values.read(Self.notifyEvery)
        )
    }
}
