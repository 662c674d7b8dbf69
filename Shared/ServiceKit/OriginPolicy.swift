import Foundation
import ServiceConfiguration

/// Which web pages may use the gateway from another origin: `CORS_ORIGINS`, exact
/// `scheme://host[:port]` values. A page of the gateway's own origin needs no entry, and a
/// client that sends no `Origin` (not a browser) is not concerned. Messages asks it too,
/// with no other origin allowed, whether a request its session cookie authorizes comes
/// from this site's own page.
public struct OriginPolicy: Sendable, Equatable {
    public let allowed: Set<String>

    public enum Verdict: Sendable, Equatable {
        /// No `Origin`: not a browser's cross-origin request.
        case noOrigin
        /// The page is the gateway's own (its origin names the host it asked).
        case sameOrigin
        /// Another origin on the list.
        case allowed(String)
        case refused
    }

    public init(allowed: some Sequence<String>) {
        self.allowed = Set(allowed.map { $0.lowercased() })
    }

    /// `origin` is the request's `Origin`, `host` the authority it was sent to.
    public func verdict(origin: String?, host: String?) -> Verdict {
        guard let origin, !origin.isEmpty else { return .noOrigin }
        let lowered = origin.lowercased()
        if let host, let authority = lowered.split(separator: "://", maxSplits: 1).dropFirst().first, authority == host.lowercased() {
            return .sameOrigin
        }
        return self.allowed.contains(lowered) ? .allowed(origin) : .refused
    }

    /// Whether a WebSocket upgrade from this origin is served.
    public func admits(origin: String?, host: String?) -> Bool {
        self.verdict(origin: origin, host: host) != .refused
    }

    /// Parses `CORS_ORIGINS`: comma-separated `http(s)://host[:port]`, nothing after.
    public static func origins(_ text: String) -> [String]? {
        let origins = text.commaSeparatedItems
        for origin in origins {
            let parts = origin.split(separator: "://", maxSplits: 1)
            guard parts.count == 2, ["http", "https"].contains(parts[0].lowercased()), !parts[1].isEmpty,
                !parts[1].contains("/"), !parts[1].contains("*")
            else { return nil }
        }
        return origins
    }
}
