import Crypto
import Foundation

/// base64url without padding (RFC 4648 §5): what goes into a URL, a query or a cookie as it
/// is. Cursors, invite links, session and mailed tokens are all written in it.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// `count` random bytes, encoded: a token nobody can guess.
    static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Self.encode(Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// Whether `text` is `length` characters of base64url, as a token made here is.
    static func isToken(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy(\.isBase64URL)
    }
}

/// A secret handed out once (a session's refresh token, a mailed link's token): 256 random
/// bits for the holder, and only its SHA-256 kept, so a leaked table leaks no token.
enum HashedToken {
    /// 32 bytes, base64url.
    static let length = 43

    static func make() -> (token: String, hash: Data) {
        let token = Base64URL.random(bytes: 32)
        return (token, Data(SHA256.hash(data: Data(token.utf8))))
    }

    /// The stored form of a token a client presents; nil for what no token of ours looks like.
    static func hash(_ token: String) -> Data? {
        guard Base64URL.isToken(token, length: Self.length) else { return nil }
        return Data(SHA256.hash(data: Data(token.utf8)))
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
