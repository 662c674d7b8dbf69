/// Random, URL-safe session ids (20 characters of base64url, as the reference server's):
/// python clients append them to URLs unescaped.
public enum SessionID {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 120 random bits from two draws: each draw is a `getrandom` call, made for every
    /// connection, so not one per character.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = (generator.next(), generator.next())
        return String(unsafeUninitializedCapacity: 20) { characters in
            for index in 0..<10 {
                characters[index] = Self.alphabet[Int(truncatingIfNeeded: words.0 >> (6 * index)) & 63]
                characters[10 + index] = Self.alphabet[Int(truncatingIfNeeded: words.1 >> (6 * index)) & 63]
            }
            return 20
        }
    }
}
