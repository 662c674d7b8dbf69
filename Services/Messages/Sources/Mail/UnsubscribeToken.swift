import Crypto
import Foundation

/// The token of a mail's one-click unsubscribe link (RFC 8058): the user's id and a MAC of
/// it under a key derived from the service's secret, so that no table is needed and nobody
/// can make one for someone else.
struct UnsubscribeToken: Sendable {
    private let key: SymmetricKey

    init(secret: String) {
        self.key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("unsubscribe".utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    func token(for userID: UUID) -> String {
        let id = withUnsafeBytes(of: userID.uuid) { Data($0) }
        return Base64URL.encode(id + Data(HMAC<SHA256>.authenticationCode(for: id, using: self.key)))
    }

    /// Whose the token is; nil for a token this service did not make.
    func user(of token: String) -> UUID? {
        guard token.utf8.count <= 64, let data = Base64URL.decode(token), data.count == 48 else { return nil }
        let (id, mac) = (data.prefix(16), data.suffix(32))
        // The library's check compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: id, using: self.key) else { return nil }
        return id.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }
}
