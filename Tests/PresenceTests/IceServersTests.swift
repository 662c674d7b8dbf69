import ChatModels
import Foundation
import ServiceConfiguration
import Testing

@testable import PresenceApp

/// The TURN credentials presence issues, in the TURN REST convention coturn checks (the
/// end-to-end tests hand them to the real coturn).
struct IceServersTests {
    static let user = UUID(uuidString: "0F8FAD5B-D9CB-469F-A165-70867728950E")!

    @Test func theCredentialIsTheExpiryAndUserSignedWithTheSharedSecret() {
        let credential = TURNCredential(
            userID: Self.user,
            secret: "a shared secret of coturn",
            expiresAt: Date(timeIntervalSince1970: 1_700_000_000.9)
        )
        // The username carries whole seconds and the user's id as tokens spell it.
        #expect(credential.username == "1700000000:0f8fad5b-d9cb-469f-a165-70867728950e")
        // Python's hmac.new(secret, username, sha1), base64: an implementation other than ours.
        #expect(credential.password == "MxaILZ/JWISZGoY75UHleWCb948=")
        #expect(credential.expiresAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(
            TURNCredential(userID: Self.user, secret: "another secret of coturn", expiresAt: credential.expiresAt).password != credential.password
        )
    }

    @Test func eachUserAndMomentHasItsOwnCredential() throws {
        let settings = IceSettings(
            turnURLs: ["turn:turn.example.org:3478"],
            turnSecret: "a shared secret of coturn",
            credentialLifetime: .seconds(600)
        )
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let mine = try #require(settings.iceServers(for: Self.user, now: now).iceServers.first)
        let theirs = try #require(settings.iceServers(for: UUID(), now: now).iceServers.first)
        let later = try #require(settings.iceServers(for: Self.user, now: now + 60).iceServers.first)
        #expect(mine.username == "1800000600:0f8fad5b-d9cb-469f-a165-70867728950e")
        #expect(Set([mine.credential, theirs.credential, later.credential]).count == 3)
        #expect(settings.iceServers(for: Self.user, now: now).expiresAt == now + 600)
    }

    @Test func withoutTURNOnlySTUNIsGivenAndNothingExpires() {
        let settings = IceSettings(stunURLs: ["stun:stun.example.org:3478"])
        #expect(
            settings.iceServers(for: Self.user, now: Date())
                == IceServers(iceServers: [IceServer(urls: ["stun:stun.example.org:3478"])], expiresAt: nil)
        )
        #expect(IceSettings().iceServers(for: Self.user, now: Date()) == IceServers(iceServers: [], expiresAt: nil))
    }

    @Test func theSettingsRefuseTURNWithoutASecretAndURLsOfTheWrongKind() throws {
        #expect(throws: ConfigurationError.missing("TURN_SECRET")) {
            try IceSettings(ConfigurationValues(["TURN_URLS": "turn:127.0.0.1:3478"]))
        }
        #expect(throws: ConfigurationError.self) { try IceSettings(ConfigurationValues(["STUN_URLS": "turn:127.0.0.1:3478"])) }
        #expect(throws: ConfigurationError.self) {
            try IceSettings(ConfigurationValues(["TURN_URLS": "https://turn.example.org", "TURN_SECRET": String(repeating: "s", count: 16)]))
        }
        #expect(throws: ConfigurationError.self) { try IceSettings(ConfigurationValues(["TURN_URLS": "turn:x", "TURN_SECRET": "short"])) }
        let settings = try IceSettings(
            ConfigurationValues([
                "TURN_URLS": "turns:turn.example.org:5349?transport=tcp, turn:turn.example.org", "TURN_SECRET": String(repeating: "s", count: 16),
            ])
        )
        #expect(settings.turnURLs == ["turns:turn.example.org:5349?transport=tcp", "turn:turn.example.org"])
    }
}
