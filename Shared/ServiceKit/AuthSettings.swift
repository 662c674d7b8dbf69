import ServiceConfiguration

/// What every service needs to check tokens, and Messages to issue them.
public struct AuthSettings: Sendable {
    /// The HS256 secret; at least 32 bytes (jwt-kit refuses shorter HMAC keys).
    public var jwtSecret: String
    public var tokenLifetime: Duration
    /// bcrypt's work factor: 10 costs ~60 ms a hash on one core here; tests use 4.
    public var bcryptCost: Int

    public init(jwtSecret: String, tokenLifetime: Duration = .seconds(24 * 3600), bcryptCost: Int = 10) {
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
        self.bcryptCost = bcryptCost
    }

    /// `JWT_SECRET` (required), `TOKEN_TTL` (seconds), `BCRYPT_COST`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let secret = try values.requiredString("JWT_SECRET")
        guard secret.utf8.count >= 32 else { throw .invalid("JWT_SECRET", "at least 32 bytes long") }
        self.init(
            jwtSecret: secret,
            tokenLifetime: try values.seconds("TOKEN_TTL", default: .seconds(24 * 3600)),
            bcryptCost: try values.int("BCRYPT_COST", default: 10, in: 4...31)
        )
    }
}
