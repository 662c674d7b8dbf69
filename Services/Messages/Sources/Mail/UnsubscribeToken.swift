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
        let mac = Data(HMAC<SHA256>.authenticationCode(for: id, using: self.key)).prefix(16)
        return (id + mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whose the token is; nil for a token this service did not make.
    func user(of token: String) -> UUID? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.utf8.count <= 64, let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        let (id, mac) = (data.prefix(16), data.suffix(16))
        let expected = Data(HMAC<SHA256>.authenticationCode(for: id, using: self.key)).prefix(16)
        guard Self.constantTimeEqual(expected, mac) else { return nil }
        let bytes = Array(id)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12],
                bytes[13], bytes[14], bytes[15]
            )
        )
    }

    private static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
