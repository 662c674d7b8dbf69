import ServiceConfiguration

/// Where browsers find STUN and TURN for calls, and the secret shared with the TURN server
/// (coturn's `static-auth-secret`) that the credentials issued here are signed with.
public struct IceSettings: Sendable {
    public var stunURLs: [String]
    public var turnURLs: [String]
    /// Nil when no TURN server is configured.
    public var turnSecret: String?
    public var credentialLifetime: Duration

    public init(
        stunURLs: [String] = [],
        turnURLs: [String] = [],
        turnSecret: String? = nil,
        credentialLifetime: Duration = Self.credentialLifetime.defaultValue
    ) {
        self.stunURLs = stunURLs
        self.turnURLs = turnURLs
        self.turnSecret = turnSecret
        self.credentialLifetime = credentialLifetime
    }

    public static let stunURLs = Setting.iceURLs(
        "STUN_URLS",
        schemes: ["stun", "stuns"],
        help: "STUN servers browsers learn their public address from"
    )
    public static let turnURLs = Setting.iceURLs(
        "TURN_URLS",
        schemes: ["turn", "turns"],
        help: "TURN servers that relay a call's media when no direct path works (needs `TURN_SECRET`)"
    )
    public static let turnSecret = Setting.optionalSecret(
        "TURN_SECRET",
        minBytes: 16,
        help: "the TURN server's `static-auth-secret`, which the credentials `GET /api/calls/ice-servers` issues are signed with"
    )
    public static let credentialLifetime = Setting.seconds(
        "TURN_CREDENTIAL_TTL",
        default: .seconds(12 * 3600),
        help: "how long a TURN credential is good for (a call that outlasts it keeps its relay)"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            stunURLs: try values.read(Self.stunURLs),
            turnURLs: try values.read(Self.turnURLs),
            turnSecret: try values.read(Self.turnSecret),
            credentialLifetime: try values.read(Self.credentialLifetime)
        )
        if !self.turnURLs.isEmpty, self.turnSecret == nil { throw .missing(Self.turnSecret.name) }
    }
}

extension Setting where Value == [String] {
    /// A comma-separated list of ICE server URLs (RFC 7064, 7065), each with one of `schemes`.
    static func iceURLs(_ name: String, schemes: Set<String>, help: String) -> Setting {
        let accepts = "comma-separated " + schemes.sorted().map { "`\($0):host[:port]`" }.joined(separator: " or ") + " URLs"
        return Setting(name, default: [], defaultText: "none", accepts: accepts, help: help) { text in
            let urls = text.commaSeparatedItems
            let valid = urls.allSatisfy { url in
                guard let colon = url.firstIndex(of: ":") else { return false }
                return schemes.contains(String(url[..<colon]).lowercased()) && url.index(after: colon) < url.endIndex
            }
            return valid ? urls : nil
        }
    }
}
