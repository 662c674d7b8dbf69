/// What a file is, from its first bytes — never from what the client said it was.
enum ContentSniffer {
    /// Bytes enough to tell every type below apart.
    static let prefixLength = 16

    struct Kind: Equatable, Sendable {
        var mimeType: String
        var isImage: Bool
    }

    static func sniff(_ prefix: some Collection<UInt8>) -> Kind {
        let bytes = Array(prefix.prefix(Self.prefixLength))
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + signature.count && Array(bytes[offset..<offset + signature.count]) == signature
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return Kind(mimeType: "image/png", isImage: true) }
        if starts([0xFF, 0xD8, 0xFF]) { return Kind(mimeType: "image/jpeg", isImage: true) }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return Kind(mimeType: "image/gif", isImage: true) }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return Kind(mimeType: "image/webp", isImage: true) }
        if starts(Array("%PDF-".utf8)) { return Kind(mimeType: "application/pdf", isImage: false) }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return Kind(mimeType: "application/zip", isImage: false) }
        if starts([0x1F, 0x8B]) { return Kind(mimeType: "application/gzip", isImage: false) }
        return Kind(mimeType: "application/octet-stream", isImage: false)
    }
}
