import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import NIOCore
import ServiceKit
import Testing

/// Sign-up and sign-in limits, counted in Redis: per client address a minute, and failed
/// sign-ins per account.
@Suite struct AuthThrottleTests {
    func withThrottledMessages(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var configuration = try TestEnvironment.messages()
        configuration.authThrottle = AuthThrottleSettings(attemptsPerAddressPerMinute: 5, maxFailedLogins: 3, lockout: .seconds(60))
        try await withMessages(.router, configuration: configuration, test)
    }

    func login(_ client: any TestClientProtocol, _ email: String, _ password: String, from address: String) async throws -> TestResponse {
        try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: password), headers: [.clientAddress: address])
    }

    @Test func anAddressGetsAFewAttemptsAMinuteOthersAreNotConcerned() async throws {
        try await self.withThrottledMessages { client in
            let flooder = "198.51.100.\(Int.random(in: 1...250))-\(UUID().uuidString.prefix(4))"
            var statuses: [Int] = []
            for _ in 0..<7 {
                statuses.append(Int(try await self.login(client, uniqueEmail("Nobody"), "guess", from: flooder).status.code))
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == 401 } && statuses.suffix(2).allSatisfy { $0 == 429 }, "\(statuses)")
            let refused = try await self.login(client, uniqueEmail("Nobody"), "guess", from: flooder)
            #expect(refused.errorCode == .rateLimited)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another address still gets in.
            let elsewhere = try await self.login(client, uniqueEmail("Nobody"), "guess", from: "other-\(UUID().uuidString.prefix(6))")
            #expect(elsewhere.status == .unauthorized)
            // Renewals count apart (every open tab renews; many people share an address): the
            // flooded address's sessions go on.
            let renewal = try await client.call(
                .post,
                "/api/auth/refresh",
                json: RefreshRequest(refreshToken: String(repeating: "a", count: 43)),
                headers: [.clientAddress: flooder]
            )
            #expect(renewal.errorCode == .invalidToken)
        }
    }

    @Test func anAccountIsLockedAfterFailedSignInsEvenWithTheRightPassword() async throws {
        try await self.withThrottledMessages { client in
            let email = uniqueEmail("Target")
            let registered = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "Target", email: email, password: "correct horse battery", role: .student),
                headers: [.clientAddress: "register-\(UUID().uuidString.prefix(6))"]
            )
            #expect(registered.status == .created)
            // Each guess from another address, as a distributed attacker would.
            for _ in 0..<3 {
                #expect(try await self.login(client, email, "wrong", from: "bot-\(UUID().uuidString.prefix(6))").status == .unauthorized)
            }
            let locked = try await self.login(client, email, "correct horse battery", from: "owner-\(UUID().uuidString.prefix(6))")
            #expect(locked.status == .tooManyRequests && locked.errorCode == .rateLimited)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 50)
            // Another account is not concerned, and its success clears nothing of the lock.
            let bystander = uniqueEmail("Bystander")
            _ = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "Bystander", email: bystander, password: "correct horse battery", role: .student),
                headers: [.clientAddress: "b-\(UUID().uuidString.prefix(6))"]
            )
            let signedIn = try await self.login(client, bystander, "correct horse battery", from: "b-\(UUID().uuidString.prefix(6))")
            #expect(signedIn.status == .ok)
        }
    }
}
