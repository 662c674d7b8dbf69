import ChatModels
import Foundation
import HTTPTypes
import ServiceConfiguration
import ServiceKit

/// The browser's copy of a session's refresh token: `HttpOnly` (no script reads it),
/// `SameSite=Strict` and `Path=/api/auth` (sent only to the sign-in routes, by this site's
/// own pages), `Secure` unless `SESSION_COOKIE=insecure`. "Keep me signed in" gives it a
/// `Max-Age`; without, it ends with the browser.
enum SessionCookie {
    static let name = "chat_session"
    static let path = "/api/auth"

    static func set(_ token: String, persistent: Bool, settings: SessionSettings) -> String {
        Self.attributes("\(Self.name)=\(token)", maxAge: persistent ? Int(settings.lifetime.seconds) : nil, settings: settings)
    }

    static func cleared(settings: SessionSettings) -> String {
        Self.attributes("\(Self.name)=", maxAge: 0, settings: settings)
    }

    private static func attributes(_ pair: String, maxAge: Int?, settings: SessionSettings) -> String {
        var parts = [pair, "Path=\(Self.path)", "HttpOnly", "SameSite=Strict"]
        if settings.secureCookie { parts.append("Secure") }
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        return parts.joined(separator: "; ")
    }

    /// The token a request's `Cookie` headers carry, if any.
    static func token(in fields: HTTPFields) -> String? {
        for header in fields[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// What stops another site's page from using the cookie (besides `SameSite`): a request
    /// the cookie authorizes must come from a page of the host it was sent to. Browsers send
    /// `Origin` with every `POST`; a client without one is not a browser and has no reason to
    /// lean on the cookie.
    static func checkOrigin(_ fields: HTTPFields, authority: String?) throws(APIError) {
        guard Self.ownPages.verdict(origin: fields[.origin], host: fields[.forwardedHost] ?? authority) == .sameOrigin else {
            throw APIError(.crossOrigin, "This request needs to come from this site's own page")
        }
    }

    /// No page of another origin, whatever `CORS_ORIGINS` lets read the API.
    private static let ownPages = OriginPolicy(allowed: [])
}
