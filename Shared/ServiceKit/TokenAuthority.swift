import ChatModels
import Foundation
import JWTKit
import NIOCore

/// Who a verified token says the caller is.
public struct Identity: Sendable, Hashable {
    public var userID: UUID
    public var role: Role

    public init(userID: UUID, role: Role) {
        self.userID = userID
        self.role = role
    }
}

/// The claims of our access tokens.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var role: Role
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

    public init(settings: AuthSettings) async {
        self.keys = JWTKeyCollection()
        await self.keys.add(hmac: HMACKey(from: settings.jwtSecret), digestAlgorithm: .sha256)
        self.lifetime = settings.tokenLifetime
    }

    public func issue(for userID: UUID, role: Role, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: SubjectClaim(value: userID.uuidString.lowercased()),
            role: role,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(TimeAmount(self.lifetime).nanoseconds) / 1e9))
        )
        return try await self.keys.sign(claims)
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

    /// The identity in a token; any fault — forged, expired, malformed — is `.invalidToken`.
    public func verify(_ token: some StringProtocol) async throws(APIError) -> Identity {
        let text = String(token)
        if let identity = self.verified.identity(for: text) { return identity }
        do {
            let claims = try await self.keys.verify(text, as: AccessClaims.self)
            guard let userID = UUID(uuidString: claims.sub.value) else { throw APIError.invalidToken }
            let identity = Identity(userID: userID, role: claims.role)
            self.verified.remember(text, identity, expires: claims.exp.value)
            return identity
        } catch {
            throw .invalidToken
        }
    }
}
