import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import ServiceKit
import Testing

/// Sign-in sessions: refresh tokens that rotate, theft detection, the cookie and what
/// guards it, signing one device out.
@Suite struct SessionAPITests {
    static let password = "correct horse battery"

    func signIn(
        _ client: some TestClientProtocol,
        _ account: Account,
        remember: Bool? = nil,
        agent: String = "TestAgent/1"
    ) async throws -> TestResponse {
        try await client.call(
            .post,
            "/api/auth/login",
            json: LoginRequest(email: account.user.email ?? "", password: Self.password, remember: remember),
            headers: [.userAgent: agent]
        )
    }

    func renew(_ client: some TestClientProtocol, _ token: String?) async throws -> TestResponse {
        try await client.call(.post, "/api/auth/refresh", json: RefreshRequest(refreshToken: token))
    }

    @Test func aSignInGivesASessionWhoseRefreshTokenRotatesOnEveryUse() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Rota")
            let login = try await self.signIn(client, account, remember: true)
            let first = try login.decode(AuthResponse.self)
            let refresh = try #require(first.refreshToken)
            #expect(first.sessionId != nil && first.expiresAt.map { $0 > Date() } == true)
            #expect(login.headers[.cacheControl] == "no-store")
            // The browser's copy: only scripts of no one, only this site's sign-in routes.
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.hasPrefix("chat_session=\(refresh);"))
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/auth", "Secure", "Max-Age=\(30 * 24 * 3600)"] {
                #expect(cookie.contains(attribute), "\(attribute) in \(cookie)")
            }
            let browserOnly = try #require(try await self.signIn(client, account).headers[.setCookie])
            #expect(!browserOnly.contains("Max-Age"), "without \"keep me signed in\" it ends with the browser")
            // A page's sign-in (it sends Origin): the refresh token in the HttpOnly cookie alone.
            let page = try await client.call(
                .post,
                "/api/auth/login",
                json: LoginRequest(email: account.user.email ?? "", password: Self.password),
                headers: [.origin: "https://chat.example.org"]
            )
            #expect(try page.decode(AuthResponse.self).refreshToken == nil && page.headers[.setCookie]?.contains("HttpOnly") == true)

            let renewed = try await self.renew(client, refresh)
            #expect(renewed.status == .ok)
            let second = try renewed.decode(AuthResponse.self)
            #expect(second.refreshToken != nil && second.refreshToken != refresh && second.sessionId == first.sessionId)
            #expect(try #require(renewed.headers[.setCookie]).contains("Max-Age"), "the choice holds across renewals")
            let me = try await client.call(.get, "/api/me", token: second.token)
            #expect(try me.decode(User.self).id == account.user.id)
            let verified = try await TokenAuthority(settings: TestEnvironment.auth).verifyToken(second.token)
            #expect(verified.sessionID == first.sessionId)

            // Not a token at all, and nothing presented: the same clear refusal.
            for presented in ["nope", String(repeating: "a", count: 43), ""] {
                #expect(try await self.renew(client, presented).errorCode == .invalidToken)
            }
            #expect(try await client.call(.post, "/api/auth/refresh").errorCode == .invalidToken)
            let garbage = try await client.execute(
                uri: "/api/auth/refresh",
                method: .post,
                headers: [.contentType: "application/json"],
                body: .init(string: "{")
            )
            #expect(garbage.status == .badRequest)
        }
    }

    /// Two tabs renewing with the same token at once both go on; the replaced token coming
    /// back after the grace means a copy is elsewhere: the whole session ends, its access
    /// tokens included.
    @Test func aReplacedTokenBackAfterItsGraceEndsTheSession() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.sessions.reuseGrace = .milliseconds(300)
        try await withMessages(.router, configuration: configuration) { client in
            let account = try await client.register("Thief")
            let stolen = try #require(try await self.signIn(client, account).decode(AuthResponse.self).refreshToken)
            let renewals = try await withThrowingTaskGroup(of: AuthResponse?.self) { group in
                for _ in 0..<6 { group.addTask { try? await self.renew(client, stolen).decode(AuthResponse.self) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(renewals.allSatisfy { $0 != nil }, "within the grace, every renewal goes on")
            #expect(Set(renewals.compactMap { $0?.refreshToken }).count == 6)
            let latest = try #require(renewals.last??.token)
            #expect(try await client.call(.get, "/api/me", token: latest).status == .ok)

            try await Task.sleep(for: .milliseconds(500))
            #expect(try await self.renew(client, stolen).errorCode == .invalidToken)
            // Ended: its newest refresh token and its access tokens no longer work.
            #expect(try await self.renew(client, renewals.last??.refreshToken).errorCode == .invalidToken)
            #expect(try await client.call(.get, "/api/me", token: latest).status == .unauthorized)
            // Other sessions of the user are not touched.
            #expect(try await client.call(.get, "/api/me", token: account.token).status == .ok)
        }
    }

    /// A thief renewing with a copy of the token its owner just used (within the grace)
    /// does not get a chain of its own: the session keeps one live token, and the owner's
    /// next renewal, with the token now replaced, ends it once the grace is over.
    @Test func aRaceWithinTheGraceLeavesOneChainAndTheLoserEndsTheSession() async throws {
        var configuration = try TestEnvironment.messages()
        // Long enough for both renewals on a loaded machine (300 ms was not, once).
        configuration.sessions.reuseGrace = .seconds(2)
        try await withMessages(.router, configuration: configuration) { client in
            let account = try await client.register("Racer")
            let copied = try #require(try await self.signIn(client, account).decode(AuthResponse.self).refreshToken)
            let owner = try await self.renew(client, copied).decode(AuthResponse.self)
            let thief = try await self.renew(client, copied).decode(AuthResponse.self)
            #expect(owner.refreshToken != thief.refreshToken)
            try await Task.sleep(for: .milliseconds(2_200))
            // The owner's token was replaced by the thief's renewal: it comes back late, the session ends.
            #expect(try await self.renew(client, owner.refreshToken).errorCode == .invalidToken)
            #expect(try await self.renew(client, thief.refreshToken).errorCode == .invalidToken)
            #expect(try await client.call(.get, "/api/me", token: thief.token).status == .unauthorized)
        }
    }

    @Test func theCookieRenewsOnlyForThisSitesOwnPages() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Csrf")
            let refresh = try #require(try await self.signIn(client, account).decode(AuthResponse.self).refreshToken)
            let cookie: HTTPFields = [.cookie: "theme=dark; chat_session=\(refresh)", .forwardedHost: "chat.example.org"]
            for origin in [nil, "https://evil.example", "https://chat.example.org.evil.example", "null"] {
                var headers = cookie
                if let origin { headers[.origin] = origin }
                let refused = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: headers, body: nil)
                #expect(refused.status == .forbidden && refused.errorCode == .crossOrigin, "\(origin ?? "no origin")")
                let logout = try await client.execute(uri: "/api/auth/logout", method: .post, headers: headers, body: nil)
                #expect(logout.errorCode == .crossOrigin, "a forged sign-out is refused too")
            }
            var same = cookie
            same[.origin] = "https://chat.example.org"
            let renewed = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: same, body: nil)
            #expect(renewed.status == .ok)
            // A page's request: the refresh token is in the HttpOnly cookie only, never where a script reads.
            #expect(try renewed.decode(AuthResponse.self).refreshToken == nil)
            let setCookie = try #require(renewed.headers[.setCookie])
            let next = String(setCookie.dropFirst("chat_session=".count).prefix { $0 != ";" })
            #expect(next.count == 43)

            // Signing out by the cookie ends the session and clears the cookie.
            let out: HTTPFields = [.cookie: "chat_session=\(next)", .forwardedHost: "chat.example.org", .origin: "https://chat.example.org"]
            let logout = try await client.execute(uri: "/api/auth/logout", method: .post, headers: out, body: nil)
            #expect(logout.status == .noContent && logout.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await self.renew(client, next).errorCode == .invalidToken)
        }
    }

    @Test func aDeviceIsSignedOutFromAnotherAndSigningOutEndsItsTokens() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Devi")
            let laptop = try await self.signIn(client, account, agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
                .decode(AuthResponse.self)
            let phone = try await self.signIn(client, account, agent: "Mozilla/5.0 (iPhone) Safari/604.1\u{7}" + String(repeating: "é", count: 300))
                .decode(AuthResponse.self)
            let listed = try await client.call(.get, "/api/auth/sessions", token: laptop.token).decode([SessionInfo].self)
            let mine = try #require(listed.first { $0.id == laptop.sessionId })
            let other = try #require(listed.first { $0.id == phone.sessionId })
            #expect(mine.current && !other.current && listed.filter(\.current).count == 1)
            // Kept bounded in bytes, control characters dropped.
            let agent = try #require(other.userAgent)
            #expect(agent.utf8.count <= 256 && !agent.contains("\u{7}") && agent.hasPrefix("Mozilla/5.0 (iPhone)"))

            // Someone else cannot end it.
            let stranger = try await client.register("Stranger")
            #expect(try await client.call(.delete, "/api/auth/sessions/\(try #require(phone.sessionId))", token: stranger.token).status == .notFound)
            #expect(try await client.call(.delete, "/api/auth/sessions/\(try #require(phone.sessionId))", token: laptop.token).status == .noContent)
            #expect(try await client.call(.get, "/api/me", token: phone.token).status == .unauthorized)
            #expect(try await self.renew(client, phone.refreshToken).errorCode == .invalidToken)
            #expect(try await client.call(.delete, "/api/auth/sessions/\(try #require(phone.sessionId))", token: laptop.token).status == .notFound)

            // Signing out with the bearer token alone (an API client) ends that session.
            #expect(try await client.call(.post, "/api/auth/logout", token: laptop.token).status == .noContent)
            #expect(try await client.call(.get, "/api/me", token: laptop.token).status == .unauthorized)
            #expect(try await self.renew(client, laptop.refreshToken).errorCode == .invalidToken)
            // The sign-up's own session was never touched.
            #expect(try await client.call(.get, "/api/me", token: account.token).status == .ok)

            // Everywhere: every session ends, none renews.
            #expect(try await client.call(.post, "/api/auth/logout-all", token: account.token).status == .noContent)
            #expect(try await self.renew(client, account.refreshToken).errorCode == .invalidToken)
        }
    }
}
