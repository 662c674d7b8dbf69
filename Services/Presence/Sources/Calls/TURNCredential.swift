import ChatModels
import Crypto
import Foundation
import ServiceConfiguration

/// A time-limited TURN credential in the TURN REST convention coturn checks with
/// `use-auth-secret` (draft-uberti-behave-turn-rest): the username is `expiry:userId`, the
/// password the base64 HMAC-SHA1 of that username under the shared secret. The TURN server
/// needs no call to us and no user table: it recomputes the password and checks the expiry.
struct TURNCredential: Sendable, Equatable {
    var username: String
    var password: String
    var expiresAt: Date

    init(userID: UUID, secret: String, expiresAt: Date) {
        // Whole seconds: coturn reads the part before the colon as a Unix time.
        let expiry = Int64(expiresAt.timeIntervalSince1970.rounded(.down))
        self.username = "\(expiry):\(userID.uuidString.lowercased())"
        self.password = Self.password(username: self.username, secret: secret)
        self.expiresAt = Date(timeIntervalSince1970: TimeInterval(expiry))
    }

    static func password(username: String, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        return Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: key)).base64EncodedString()
    }
}

extension IceSettings {
    /// What `userID` passes to `RTCPeerConnection` now: the STUN servers, and the TURN
    /// servers with a credential of their own.
    func iceServers(for userID: UUID, now: Date) -> IceServers {
        var servers = self.stunURLs.isEmpty ? [] : [IceServer(urls: self.stunURLs)]
        guard let secret = self.turnSecret, !self.turnURLs.isEmpty else { return IceServers(iceServers: servers, expiresAt: nil) }
        let credential = TURNCredential(userID: userID, secret: secret, expiresAt: now + self.credentialLifetime.seconds)
        servers.append(IceServer(urls: self.turnURLs, username: credential.username, credential: credential.password))
        return IceServers(iceServers: servers, expiresAt: credential.expiresAt)
    }
}
