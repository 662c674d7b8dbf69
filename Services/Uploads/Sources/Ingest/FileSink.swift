import ChatModels
import Crypto
import EventBus
import Foundation
import HTTPTypes
import NIOCore
import ServiceKit

/// Where an upload's bytes go as they arrive: counted against the limit (413 the moment
/// it is passed), hashed, their first bytes kept to sniff the type (and a picture's size),
/// written to a temporary file; then made durable and moved into place, or removed.
final class FileSink {
    private let store: BlobStore
    private let writer: BlobWriter
    private let maxBytes: Int64
    private var hasher = SHA256()
    private var size: Int64 = 0
    private var head: [UInt8] = []

    init(store: BlobStore, maxBytes: Int64) throws {
        self.store = store
        self.writer = try store.begin()
        self.maxBytes = maxBytes
    }

    func append(_ chunk: ByteBuffer) async throws {
        self.size += Int64(chunk.readableBytes)
        guard self.size <= self.maxBytes else {
            throw APIError(.payloadTooLarge, "Files are limited to \(self.maxBytes) bytes")
        }
        chunk.withUnsafeReadableBytes { self.hasher.update(bufferPointer: $0) }
        if self.head.count < ImageDimensions.headLength {
            self.head += chunk.readableBytesView.prefix(ImageDimensions.headLength - self.head.count)
        }
        try await self.writer.write(chunk)
    }

    var isEmpty: Bool {
        self.size == 0
    }

    /// What the bytes so far are, by their first bytes.
    var kind: ContentSniffer.Kind {
        ContentSniffer.sniff(self.head)
    }

    /// The size a picture's header states, from the bytes so far.
    var dimensions: ImageDimensions? {
        let kind = self.kind
        return kind.isImage ? ImageDimensions(mimeType: kind.mimeType, head: self.head) : nil
    }

    /// Makes the file durable and moves it into place.
    func finish(name: String) async throws -> AttachmentDraft {
        guard self.size > 0 else { throw APIError.validation("The file is empty") }
        try await self.writer.finish()
        let sha256 = self.hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let key = try await self.store.commit(self.writer, sha256: sha256)
        let kind = self.kind
        let dimensions = self.dimensions
        return AttachmentDraft(
            id: UUID(),
            name: name,
            size: self.size,
            mimeType: kind.mimeType,
            sha256: sha256,
            storageKey: key,
            width: dimensions?.width,
            height: dimensions?.height
        )
    }

    func abort() async {
        await self.writer.abort()
    }
}
