import Auth
import ChatModels
import Foundation
import Testing

@Suite struct TokenAuthorityTests {
    let settings = AuthSettings(jwtSecret: "a-test-secret-that-is-long-enough-0123456789", tokenLifetime: .seconds(60))

    @Test func anIssuedTokenVerifiesToItsUserAndRole() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let id = UUID()
        let identity = try await tokens.verify(try await tokens.issue(for: id, role: .expert))
        #expect(identity == Identity(userID: id, role: .expert))
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let token = try await tokens.issue(for: UUID(), role: .student, now: Date().addingTimeInterval(-120))
        await #expect(throws: APIError.invalidToken) { try await tokens.verify(token) }
    }

    @Test func aTokenSignedWithAnotherSecretIsRefused() async throws {
        let other = await TokenAuthority(settings: AuthSettings(jwtSecret: String(repeating: "x", count: 40)))
        let forged = try await other.issue(for: UUID(), role: .admin)
        await #expect(throws: APIError.invalidToken) { try await TokenAuthority(settings: settings).verify(forged) }
    }

    @Test func anUnsignedOrTamperedTokenIsRefused() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let token = try await tokens.issue(for: UUID(), role: .student)
        let parts = token.split(separator: ".").map(String.init)
        // alg "none", no signature
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        await #expect(throws: APIError.invalidToken) { try await tokens.verify("\(none).\(parts[1]).") }
        // payload swapped for an admin one, signature kept
        let admin = Data(#"{"sub":"\#(UUID().uuidString)","role":"admin","iat":1,"exp":99999999999}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        await #expect(throws: APIError.invalidToken) { try await tokens.verify("\(parts[0]).\(admin).\(parts[2])") }
        for garbage in ["", "abc", "a.b.c", String(repeating: "A", count: 10_000)] {
            await #expect(throws: APIError.invalidToken) { try await tokens.verify(garbage) }
        }
    }

    @Test func aTokenVerifiedBeforeIsRefusedOnceItExpires() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let id = UUID()
        // Expires 1.5 s from now: verified (and remembered) now, refused after.
        let token = try await tokens.issue(for: id, role: .student, now: Date().addingTimeInterval(-58.5))
        #expect(try await tokens.verify(token) == Identity(userID: id, role: .student))
        #expect(try await tokens.verify(token) == Identity(userID: id, role: .student))
        try await Task.sleep(for: .seconds(2))
        await #expect(throws: APIError.invalidToken) { try await tokens.verify(token) }
    }

    @Test func rememberingAVerifiedTokenAdmitsNoOtherText() async throws {
        let tokens = await TokenAuthority(settings: settings)
        let token = try await tokens.issue(for: UUID(), role: .student)
        _ = try await tokens.verify(token)
        for altered in [token + "x", String(token.dropLast()), " " + token, token.uppercased()] {
            await #expect(throws: APIError.invalidToken) { try await tokens.verify(altered) }
        }
    }
}
