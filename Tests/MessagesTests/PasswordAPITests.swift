import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdBcrypt
import HummingbirdTesting
import MessagesTestSupport
import PostgresNIO
import Testing

@testable import MessagesApp

/// Changing one's password, and what a password must be.
@Suite struct PasswordAPITests {
    static let password = "correct horse battery"

    func signIn(_ client: some TestClientProtocol, _ email: String, _ password: String = Self.password) async throws -> TestResponse {
        try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: password))
    }

    @Test func aChangedPasswordEndsEveryOtherSessionAndOnlyTheNewOneSignsIn() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Changer")
            let email = try #require(account.user.email)
            let here = try await self.signIn(client, email).decode(AuthResponse.self)
            let elsewhere = try await self.signIn(client, email).decode(AuthResponse.self)

            let change = ChangePasswordRequest(currentPassword: Self.password, newPassword: "a much longer passphrase, it's fine")
            #expect(try await client.call(.post, "/api/me/password", token: here.token, json: change).status == .noContent)
            // This session goes on; the others (the sign-up's too) are over, tokens and renewals.
            #expect(try await client.call(.get, "/api/me", token: here.token).status == .ok)
            for other in [elsewhere.token, account.token] {
                #expect(try await client.call(.get, "/api/me", token: other).status == .unauthorized)
            }
            let renewal = try await client.call(.post, "/api/auth/refresh", json: RefreshRequest(refreshToken: elsewhere.refreshToken))
            #expect(renewal.errorCode == .invalidToken)
            #expect(try await client.call(.post, "/api/auth/refresh", json: RefreshRequest(refreshToken: here.refreshToken)).status == .ok)
            #expect(try await self.signIn(client, email).errorCode == .invalidCredentials)
            #expect(try await self.signIn(client, email, change.newPassword).status == .ok)
        }
    }

    @Test func aChangeIsRefusedClearlyAndChangesNothing() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Careful")
            let email = try #require(account.user.email)
            let token = try await self.signIn(client, email).decode(AuthResponse.self).token
            for (current, new, field) in [
                ("not it at all", "another fine passphrase", "currentPassword"),
                (Self.password, "short", "newPassword"),
                (Self.password, "iloveyou", "newPassword"),
                (Self.password, email.uppercased(), "newPassword"),
                (Self.password, String(repeating: "ab", count: 513), "newPassword"),
                (String(repeating: "x", count: 2000), "another fine passphrase", "currentPassword"),
            ] {
                let refused = try await client.call(
                    .post,
                    "/api/me/password",
                    token: token,
                    json: ChangePasswordRequest(currentPassword: current, newPassword: new)
                )
                #expect(refused.status == .unprocessableContent, "\(new)")
                #expect(try refused.decode(ErrorBody.self).error.field == field)
            }
            #expect(try await client.call(.get, "/api/me", token: token).status == .ok, "a refusal is not a sign-out")
            #expect(try await self.signIn(client, email).status == .ok)
            let noBody = try await client.call(.post, "/api/me/password", token: token)
            #expect(noBody.status == .badRequest)
            #expect(
                try await client.call(.post, "/api/me/password", json: ChangePasswordRequest(currentPassword: "a", newPassword: "b")).status
                    == .unauthorized
            )
        }
    }

    /// Wrong current passwords count towards the account's lockout, as wrong sign-ins do.
    @Test func guessingTheCurrentPasswordLocksTheAccount() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.authThrottle = AuthThrottleSettings(attemptsPerAddressPerMinute: 1_000_000, maxFailedLogins: 3, lockout: .seconds(60))
        try await withMessages(.router, configuration: configuration) { client in
            let account = try await client.register("Guessed")
            for guess in ["guess one", "guess two", "guess three"] {
                let wrong = ChangePasswordRequest(currentPassword: guess, newPassword: "another fine passphrase")
                #expect(try await client.call(.post, "/api/me/password", token: account.token, json: wrong).status == .unprocessableContent)
            }
            let right = ChangePasswordRequest(currentPassword: Self.password, newPassword: "another fine passphrase")
            #expect(try await client.call(.post, "/api/me/password", token: account.token, json: right).errorCode == .rateLimited)
        }
    }

    /// A hash of the password itself (before passwords were condensed) signs in, and is
    /// stored again in the current form.
    @Test func anOlderHashIsUpgradedAtSignIn() async throws {
        let configuration = try TestEnvironment.messages()
        try await withTestPostgres(configuration) { postgres in
            try await withMessages(.router, configuration: configuration) { client in
                let account = try await client.register("Olden")
                let email = try #require(account.user.email)
                let older = Bcrypt.hash(Self.password, cost: 4)
                try await postgres.query("UPDATE users SET password_hash = \(older) WHERE id = \(account.user.id)")
                #expect(try await self.signIn(client, email).status == .ok)
                let rows = try await postgres.query("SELECT password_hash FROM users WHERE id = \(account.user.id)")
                let stored = try #require(try await rows.decode(String.self).first { _ in true })
                #expect(stored.hasPrefix("v2$"))
                #expect(try await self.signIn(client, email).status == .ok)
            }
        }
    }
}
