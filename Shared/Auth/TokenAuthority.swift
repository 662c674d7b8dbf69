import ChatModels
import Foundation
import JWTKit
import NIOCore

/// Who a verified token says the caller is.
public struct Identity: Sendable, Hashable {
    public var userID: UUID
    public var role: Role
    /// False while `EMAIL_VERIFICATION=required` and the user has not confirmed their
    /// address: they may read and look around, not write to anyone (`email_unverified`).
    public var emailVerified: Bool

    public init(userID: UUID, role: Role, emailVerified: Bool = true) {
        self.userID = userID
        self.role = role
        self.emailVerified = emailVerified
    }

    /// Refuses writing to others (a message, a new conversation, a call, a file) until the
    /// address is confirmed.
    public func requireVerifiedEmail() throws(APIError) {
        guard self.emailVerified else {
            throw APIError(.emailUnverified, "Confirm your email address first: open the link we sent you (or ask for another)")
        }
    }
}

/// A token that passed verification: whose it is, the session it renews from, and when it
/// was issued and expires.
public struct VerifiedToken: Sendable {
    public var identity: Identity
    /// `sid`: the sign-in session (nil in tokens issued before sessions were).
    public var sessionID: UUID?
    /// `iat`, whole seconds since 1970 (what revocations compare against).
    public var issuedAt: Int64
    public var expires: Date

    public init(identity: Identity, sessionID: UUID? = nil, issuedAt: Int64, expires: Date) {
        self.identity = identity
        self.sessionID = sessionID
        self.issuedAt = issuedAt
        self.expires = expires
    }
}

/// The claims of our access tokens.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var role: Role
    var sid: String?
    /// `false` only: an unconfirmed address (absent means confirmed, or not asked for).
    var ev: Bool?
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.exp.verifyNotExpired()
    }
}

/// The claims of tokens services present to each other's internal routes. They carry no
/// role, so they cannot pass for a user's token, and a user's token lacks the audience.
struct ServiceClaims: JWTPayload {
    static let audience = "internal"
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.exp.verifyNotExpired()
        try self.aud.verifyIntendedAudience(includes: Self.audience)
    }
}

/// Issues and verifies HS256 access tokens. Every service holds one, so each checks
/// tokens itself and none trusts a caller's word for who it is.
public struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    private let verified = VerifiedTokens(capacity: 50_000)
    public let lifetime: Duration
    /// Whose tokens were revoked, and from when (kept current by a `RevocationFeed`).
    public let revocations = TokenRevocations()

    public init(settings: AuthSettings) async {
        self.keys = JWTKeyCollection()
        await self.keys.add(hmac: HMACKey(from: settings.jwtSecret), digestAlgorithm: .sha256)
        self.lifetime = settings.tokenLifetime
    }

    /// An access token for `userID` in `session`, valid for `lifetime` from `now`.
    public func issue(for userID: UUID, role: Role, session: UUID? = nil, emailVerified: Bool = true, now: Date = Date()) async throws -> String {
        try await self.keys.sign(
            AccessClaims(
                sub: SubjectClaim(value: userID.uuidString.lowercased()),
                role: role,
                sid: session.map { $0.uuidString.lowercased() },
                ev: emailVerified ? nil : false,
                iat: IssuedAtClaim(value: Date(timeIntervalSince1970: Double(self.revocations.issuedAt(for: userID, now: now)))),
                exp: ExpirationClaim(value: self.expiry(from: now))
            )
        )
    }

    /// When a token issued at `now` expires (whole seconds, as the token carries it).
    public func expiry(from now: Date) -> Date {
        Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(TimeAmount(self.lifetime).nanoseconds) / 1e9).rounded(.down))
    }

    /// A short-lived token for calling another service's internal routes.
    public func issueServiceToken(for service: String, lifetime: Duration = .seconds(3600), now: Date = Date()) async throws -> String {
        try await self.keys.sign(
            ServiceClaims(
                sub: SubjectClaim(value: "service:\(service)"),
                aud: AudienceClaim(value: ServiceClaims.audience),
                exp: ExpirationClaim(value: now.addingTimeInterval(Double(TimeAmount(lifetime).nanoseconds) / 1e9))
            )
        )
    }

    /// The calling service's name, from a service token.
    public func verifyServiceToken(_ token: some StringProtocol) async throws(APIError) -> String {
        do {
            let claims = try await self.keys.verify(String(token), as: ServiceClaims.self)
            guard claims.sub.value.hasPrefix("service:") else { throw APIError.invalidToken }
            return String(claims.sub.value.dropFirst("service:".count))
        } catch {
            throw .invalidToken
        }
    }

    /// The identity in a token; any fault — forged, expired, malformed, revoked — is `.invalidToken`.
    public func verify(_ token: some StringProtocol) async throws(APIError) -> Identity {
        try await self.verifyToken(token).identity
    }

    /// A token's identity and lifetime, for a caller that outlives the request (a socket).
    public func verifyToken(_ token: some StringProtocol) async throws(APIError) -> VerifiedToken {
        let text = String(token)
        let verified: VerifiedToken
        if let known = self.verified.token(for: text) {
            verified = known
        } else {
            do {
                let claims = try await self.keys.verify(text, as: AccessClaims.self)
                guard let userID = UUID(uuidString: claims.sub.value) else { throw APIError.invalidToken }
                let session = try claims.sid.map { text throws(APIError) in
                    guard let id = UUID(uuidString: text) else { throw .invalidToken }
                    return id
                }
                verified = VerifiedToken(
                    identity: Identity(userID: userID, role: claims.role, emailVerified: claims.ev ?? true),
                    sessionID: session,
                    issuedAt: Int64(claims.iat.value.timeIntervalSince1970.rounded(.down)),
                    expires: claims.exp.value
                )
                self.verified.remember(text, verified)
            } catch {
                throw .invalidToken
            }
        }
        guard !self.revocations.isRevoked(verified) else { throw .invalidToken }
        return verified
    }
}
