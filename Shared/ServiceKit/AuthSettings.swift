import ServiceConfiguration

/// What every service needs to check tokens, and messages to issue them.
public struct AuthSettings: Sendable {
    /// The HS256 secret; at least 32 bytes (jwt-kit refuses shorter HMAC keys).
    public var jwtSecret: String
    public var tokenLifetime: Duration

    public init(jwtSecret: String, tokenLifetime: Duration = .seconds(24 * 3600)) {
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
    }

    /// `JWT_SECRET` (required) and `TOKEN_TTL` (seconds).
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let secret = try values.requiredString("JWT_SECRET")
        guard secret.utf8.count >= 32 else { throw .invalid("JWT_SECRET", "at least 32 bytes long") }
        self.init(
            jwtSecret: secret,
            tokenLifetime: try values.seconds("TOKEN_TTL", default: .seconds(24 * 3600))
        )
    }
}
