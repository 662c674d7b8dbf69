import Foundation
import JSONKit

/// A file already on disk, for the message a command creates to carry.
public struct AttachmentDraft: Codable, Sendable, Hashable {
    public var id: UUID
    /// The display name, already sanitized.
    public var name: String
    public var size: Int64
    /// Sniffed from the bytes, never taken from the client.
    public var mimeType: String
    public var sha256: String
    /// Where the bytes are in the uploads directory (content-addressed).
    public var storageKey: String

    public init(id: UUID, name: String, size: Int64, mimeType: String, sha256: String, storageKey: String) {
        self.id = id
        self.name = name
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.storageKey = storageKey
    }
}
