import NIOConcurrencyHelpers

/// A service's own token for calling others, renewed well before it expires.
public final class ServiceTokenCache: Sendable {
    private let tokens: TokenAuthority
    private let service: String
    private let cached = NIOLockedValueBox<(token: String, renewAt: ContinuousClock.Instant)?>(nil)

    public init(tokens: TokenAuthority, service: String) {
        self.tokens = tokens
        self.service = service
    }

    public func token() async throws -> String {
        if let cached = self.cached.withLockedValue({ $0 }), ContinuousClock.now < cached.renewAt {
            return cached.token
        }
        let token = try await self.tokens.issueServiceToken(for: self.service, lifetime: .seconds(3600))
        self.cached.withLockedValue { $0 = (token, ContinuousClock.now + .seconds(1800)) }
        return token
    }
}
