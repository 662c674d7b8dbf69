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

/// Pictures of people and of groups: `PUT /api/me/avatar` (and a group's
/// `PUT /api/chat/conversations/{id}/picture`) takes the image as the raw body (PNG, JPEG or
/// WebP, told by its bytes, never by what the client says), `DELETE` takes it away, and
/// `GET /api/avatars/{sha256}` serves it to signed-in users. Pictures live in a store of
/// their own, so that this route serves nothing but pictures someone chose; the messages
/// service records whose (or which group's) picture is which, and the orphan sweep removes those no one uses.
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

    func register(chat: RouterGroup<ChatRequestContext>) {
        chat.put(RouterPath(UploadsAPI.groupPicture.pattern), use: self.uploadGroupPicture)
        chat.delete(RouterPath(UploadsAPI.groupPicture.pattern), use: self.removeGroupPicture)
    }

    @Sendable func upload(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let identity = try context.requireIdentity()
        let picture = try await self.receive(request)
        return JSONResponse(
            try await self.messages.setAvatar(AvatarRecord(storageKey: picture.storageKey, sha256: picture.sha256), of: identity.userID)
        )
    }

    @Sendable func remove(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        JSONResponse(try await self.messages.setAvatar(nil, of: try context.requireIdentity().userID))
    }

    /// A group's picture, for its owner or an admin: stored first, then messages decides
    /// whether the caller may make it the group's (a refused one is swept as unused).
    @Sendable func uploadGroupPicture(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let picture = try await self.receive(request)
        let record = AvatarRecord(storageKey: picture.storageKey, sha256: picture.sha256)
        return JSONResponse(try await self.messages.setGroupPicture(record, of: id, by: identity.userID))
    }

    @Sendable func removeGroupPicture(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        return JSONResponse(try await self.messages.setGroupPicture(nil, of: id, by: identity.userID))
    }

    /// The body, stored if it is a picture everyone may be shown: a PNG, JPEG or WebP told
    /// by its bytes, within `maxBytes`, whose header states a size of at most `maxSide`.
    private func receive(_ request: Request) async throws -> AttachmentDraft {
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > self.maxBytes {
            throw Self.tooLarge(self.maxBytes)
        }
        let sink = try FileSink(store: self.store, maxBytes: self.maxBytes)
        do {
            for try await chunk in request.body { try await sink.append(chunk) }
            guard !sink.isEmpty else { throw APIError.validation("The picture is empty") }
            guard Self.acceptedTypes.contains(sink.kind.mimeType) else {
                throw APIError(.unsupportedImage, "A picture must be a PNG, JPEG or WebP image")
            }
            // Everyone who sees it decodes it: its header must state a size, and a small one
            // (the page shrinks a photo before sending it).
            guard let size = sink.dimensions, max(size.width, size.height) <= Self.maxSide else {
                throw APIError(.unsupportedImage, "A picture must state its size and be at most \(Self.maxSide) × \(Self.maxSide) pixels")
            }
            return try await sink.finish(name: "avatar")
        } catch let error as APIError where error.status == .contentTooLarge {
            await sink.abort()
            throw Self.tooLarge(self.maxBytes)
        } catch {
            await sink.abort()
            throw error
        }
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
