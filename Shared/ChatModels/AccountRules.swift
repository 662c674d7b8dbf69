/// `GET /api/auth/rules`: what a new account must meet, the numbers the server checks
/// with, so that a sign-up form states them instead of a copy that drifts.
public struct AccountRules: Codable, Sendable, Hashable {
    public var nameMaxLength: Int
    /// Bytes of UTF-8, as bcrypt counts (it ignores what is past 72).
    public var passwordMinLength: Int
    public var passwordMaxBytes: Int
    /// Whether anyone may sign up as an expert (otherwise experts are invited).
    public var expertSignup: Bool

    public static let nameMaxLength = 100
    public static let passwordMinLength = 8
    public static let passwordMaxBytes = 72

    public init(expertSignup: Bool) {
        self.nameMaxLength = Self.nameMaxLength
        self.passwordMinLength = Self.passwordMinLength
        self.passwordMaxBytes = Self.passwordMaxBytes
        self.expertSignup = expertSignup
    }
}
