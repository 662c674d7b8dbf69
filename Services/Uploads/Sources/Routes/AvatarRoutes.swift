import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// Profile pictures: `PUT /api/me/avatar` takes the image as the raw body (PNG, JPEG or
/// WebP, told by its bytes, never by what the client says), `DELETE` takes it away, and
/// `GET /api/avatars/{sha256}` serves it to signed-in users. Pictures live in a store of
/// their own, so that this route serves nothing but pictures someone chose; the messages
/// service records whose picture is which, and the orphan sweep removes those no one uses.
struct AvatarRoutes: Sendable {
    let store: BlobStore
    let messages: MessagesClient
    let maxBytes: Int64
    let fileIO = FileIO()

    static let acceptedTypes: Set<String> = ["image/png", "image/jpeg", "image/webp"]
    /// The longest side of a profile picture, in pixels.
    static let maxSide = 4096

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.put(RouterPath(UploadsAPI.avatar.pattern), use: self.upload)
        api.delete(RouterPath(UploadsAPI.avatar.pattern), use: self.remove)
        api.get(RouterPath(UploadsAPI.avatarImage.pattern), use: self.image)
    }

    @Sendable func upload(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let identity = try context.requireIdentity()
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > self.maxBytes {
            throw Self.tooLarge(self.maxBytes)
        }
        let sink = try FileSink(store: self.store, maxBytes: self.maxBytes)
        let picture: AttachmentDraft
        do {
            for try await chunk in request.body { try await sink.append(chunk) }
            guard !sink.isEmpty else { throw APIError.validation("The picture is empty") }
            guard Self.acceptedTypes.contains(sink.kind.mimeType) else {
                throw APIError(.unsupportedImage, "A picture must be a PNG, JPEG or WebP image")
            }
            // Everyone who sees the person decodes it: its header must state a size, and a
            // small one (the page shrinks a photo before sending it).
            guard let size = sink.dimensions, max(size.width, size.height) <= Self.maxSide else {
                throw APIError(.unsupportedImage, "A picture must state its size and be at most \(Self.maxSide) × \(Self.maxSide) pixels")
            }
            picture = try await sink.finish(name: "avatar")
        } catch let error as APIError where error.status == .contentTooLarge {
            await sink.abort()
            throw Self.tooLarge(self.maxBytes)
        } catch {
            await sink.abort()
            throw error
        }
        return JSONResponse(
            try await self.messages.setAvatar(AvatarRecord(storageKey: picture.storageKey, sha256: picture.sha256), of: identity.userID)
        )
    }

    @Sendable func remove(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        JSONResponse(try await self.messages.setAvatar(nil, of: try context.requireIdentity().userID))
    }

    /// The bytes never change for a hash: cached for a year, revalidated by ETag.
    @Sendable func image(_ request: Request, context: ChatRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        guard let sha256 = context.parameters.get("id"), sha256.utf8.count == 64,
            sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw APIError.notFound("No such picture") }
        let key = BlobStore.key(sha256: sha256)
        guard let head = try await self.store.head(of: key, length: ContentSniffer.prefixLength) else {
            throw APIError.notFound("No such picture")
        }
        let etag = "\"\(sha256)\""
        var headers: HTTPFields = [
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            .contentSecurityPolicy: "default-src 'none'; sandbox",
            .eTag: etag,
            .cacheControl: "private, max-age=31536000, immutable",
        ]
        if request.headers[.ifNoneMatch]?.commaSeparatedItems.contains(etag) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = ContentSniffer.sniff(head.prefix).mimeType
        headers[.contentLength] = String(head.size)
        return Response(status: .ok, headers: headers, body: try await self.fileIO.loadFile(path: self.store.path(for: key), context: context))
    }

    static func tooLarge(_ maxBytes: Int64) -> APIError {
        APIError(.payloadTooLarge, "A picture is limited to \(maxBytes) bytes")
    }
}
