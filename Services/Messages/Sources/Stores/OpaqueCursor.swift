import Foundation

/// Cursors are opaque to clients: their text, base64url without padding, so that a client
/// pastes them into a query as they are and never builds one.
enum OpaqueCursor {
    static func encode(_ raw: String) -> String {
        Data(raw.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The text of a cursor, if `text` is one of at most `maxBytes`.
    static func decode(_ text: String, maxBytes: Int = 200) -> String? {
        guard text.utf8.count <= maxBytes else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
