import ServiceConfiguration

/// How sign-in sessions last: each is renewed with a refresh token that rotates on every
/// use, and lasts `lifetime` past its last renewal.
public struct SessionSettings: Sendable {
    public var lifetime: Duration
    /// How long the refresh token a renewal just replaced still renews: two tabs of one
    /// browser, or a retry after a lost answer, renew with the same one. Past it, that token
    /// coming back means someone else has it, and the session ends.
    public var reuseGrace: Duration
    /// Whether the session cookie is `Secure` (sent over HTTPS only; browsers also send it to
    /// `http://localhost`, and to 127.0.0.1 in Chromium).
    public var secureCookie: Bool

    public init(
        lifetime: Duration = Self.lifetime.defaultValue,
        reuseGrace: Duration = Self.reuseGrace.defaultValue,
        secureCookie: Bool = Self.secureCookie.defaultValue
    ) {
        self.lifetime = lifetime
        self.reuseGrace = reuseGrace
        self.secureCookie = secureCookie
    }

    public static let lifetime = Setting.seconds(
        "SESSION_TTL",
        default: .seconds(30 * 24 * 3600),
        help: "how long a sign-in session lasts past its last use, and the cookie of \"Keep me signed in\""
    )
    public static let reuseGrace = Setting.seconds(
        "SESSION_REFRESH_GRACE",
        default: .seconds(30),
        help: "how long a replaced refresh token still renews (tabs renewing at once); after it, its use ends the session as stolen"
    )
    public static let secureCookie = Setting.choice(
        "SESSION_COOKIE",
        default: "secure",
        ["secure": true, "insecure": false],
        help: "`insecure` drops `Secure` from the session cookie, for plain-http use on another host than localhost; never in production"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            lifetime: try values.read(Self.lifetime),
            reuseGrace: try values.read(Self.reuseGrace),
            secureCookie: try values.read(Self.secureCookie)
        )
    }
}
