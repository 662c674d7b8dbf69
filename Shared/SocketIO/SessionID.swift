/// Random, URL-safe session ids (20 characters of base64url, as the reference server's):
/// python clients append them to URLs unescaped.
public enum SessionID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<20).map { _ in Self.alphabet[Int(generator.next() & 63)] }, as: UTF8.self)
    }
}
