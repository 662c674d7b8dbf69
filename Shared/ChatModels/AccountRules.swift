/// `GET /api/auth/rules`: what a new account must meet, the numbers the server checks
/// with, so that a sign-up form states them instead of a copy that drifts.
public struct AccountRules: Codable, Sendable, Hashable {
    public var nameMaxLength: Int
    /// Characters (Unicode code points, as NIST SP 800-63B counts them).
    public var passwordMinLength: Int
    /// Bytes of UTF-8: long passphrases are welcome (a password is hashed whole, whatever its
    /// length). Besides, common passwords and one's own name or email are refused.
    public var passwordMaxBytes: Int
    /// Whether anyone may sign up as an expert (otherwise experts are invited).
    public var expertSignup: Bool

    public static let nameMaxLength = 100
    public static let passwordMinLength = 8
    public static let passwordMaxBytes = 1024

    public init(expertSignup: Bool) {
        self.nameMaxLength = Self.nameMaxLength
        self.passwordMinLength = Self.passwordMinLength
        self.passwordMaxBytes = Self.passwordMaxBytes
        self.expertSignup = expertSignup
    }
}
