import ChatModels
import Foundation
import JSONKit

/// A file already on disk, for the message a command creates to carry.
public struct AttachmentDraft: AttachedFile, Codable, Sendable, Hashable {
    public var id: UUID
    /// The display name, already sanitized.
    public var name: String
    public var size: Int64
    /// Sniffed from the bytes, never taken from the client.
    public var mimeType: String
    public var sha256: String
    /// Where the bytes are in the uploads directory (content-addressed).
    public var storageKey: String
    /// A picture's size as it shows, when its header says.
    public var width: Int?
    public var height: Int?

    public init(
        id: UUID,
        name: String,
        size: Int64,
        mimeType: String,
        sha256: String,
        storageKey: String,
        width: Int? = nil,
        height: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.storageKey = storageKey
        self.width = width
        self.height = height
    }
}
