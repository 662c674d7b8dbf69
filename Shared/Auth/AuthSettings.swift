import ServiceConfiguration

/// What every service needs to check tokens, and messages to issue them.
public struct AuthSettings: Sendable {
    /// The HS256 secret; at least 32 bytes (jwt-kit refuses shorter HMAC keys).
    public var jwtSecret: String
    public var tokenLifetime: Duration

    public init(jwtSecret: String, tokenLifetime: Duration = Self.tokenLifetime.defaultValue) {
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
    }

    public static let jwtSecret = Setting.secret(
        "JWT_SECRET",
        minBytes: 32,
        help: "the key tokens are signed with, the same for every service (`scripts/run` makes one)"
    )
    public static let tokenLifetime = Setting.seconds(
        "TOKEN_TTL",
        default: .seconds(900),
        help: "how long an access token is valid; clients renew it from their session (`POST /api/auth/refresh`) before"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(jwtSecret: try values.read(Self.jwtSecret), tokenLifetime: try values.read(Self.tokenLifetime))
    }
}
