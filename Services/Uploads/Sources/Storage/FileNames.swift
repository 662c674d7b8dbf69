import Foundation

/// Display names from clients, made safe to store and to send back in a header.
enum FileNames {
    static let maxBytes = 200

    /// The last path component, without control characters or a leading dot run, at most
    /// `maxBytes` of UTF-8 (keeping the extension), never empty, never `.` or `..`.
    static func sanitize(_ raw: String?) -> String {
        let name = (raw ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(
            String.UnicodeScalarView(
                name.unicodeScalars.filter {
                    $0.properties.generalCategory != .control && $0.properties.generalCategory != .format && $0 != "\u{FFFD}"
                }
            )
        )
        cleaned = cleaned.trimmingCharacters(in: .whitespacesAndNewlines)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        cleaned = cleaned.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !cleaned.isEmpty else { return "file" }
        return Self.truncated(cleaned)
    }

    private static func truncated(_ name: String) -> String {
        guard name.utf8.count > Self.maxBytes else { return name }
        let dot = name.lastIndex(of: ".")
        let suffix = dot.map { String(name[$0...]) }.flatMap { $0.utf8.count <= 16 ? $0 : nil } ?? ""
        var stem = suffix.isEmpty ? name : String(name[..<dot!])
        while stem.utf8.count + suffix.utf8.count > Self.maxBytes { stem.removeLast() }
        return stem + suffix
    }

    /// `inline` for images, `attachment` otherwise, with an ASCII fallback and the UTF-8 name (RFC 6266).
    static func contentDisposition(_ name: String, inline: Bool) -> String {
        let fallback = String(
            name.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar != "\"" && scalar != "\\" && scalar.value >= 0x20 ? Character(scalar) : "_"
            }
        )
        let encoded = name.addingPercentEncoding(withAllowedCharacters: Self.attributeCharacters) ?? "file"
        return "\(inline ? "inline" : "attachment"); filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    /// RFC 5987 `attr-char`.
    private static let attributeCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~")
}
