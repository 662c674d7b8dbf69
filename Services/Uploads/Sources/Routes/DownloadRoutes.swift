import Auth
import ChatModels
import FileTransfer
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// `GET /api/chat/attachments/{id}`: the file, to members only, with headers that keep a
/// browser from treating it as anything but what it is, and byte ranges.
struct DownloadRoutes: Sendable {
    let store: BlobStore
    let messages: MessagesClient
    let fileIO = FileIO()

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.get(RouterPath(UploadsAPI.download.pattern), use: self.download)
    }

    @Sendable func download(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let record = try await self.messages.attachment(id, for: identity.userID)
        let path = self.store.path(for: record.storageKey)
        guard self.store.exists(record.storageKey) else { throw APIError.notFound("The file is gone") }

        let etag = "\"\(record.sha256)\""
        var headers: HTTPFields = [
            .contentType: record.mimeType,
            .contentDisposition: FileNames.contentDisposition(record.name, inline: record.mimeType.hasPrefix("image/")),
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            .contentSecurityPolicy: "default-src 'none'; sandbox",
            .eTag: etag,
            .acceptRanges: "bytes",
            .cacheControl: "private, max-age=86400",
        ]
        if request.headers[.ifNoneMatch]?.commaSeparatedItems.contains(etag) == true {
            return Response(status: .notModified, headers: headers)
        }
        switch ByteRange(header: request.headers[.range], size: record.size) {
        case .whole:
            headers[.contentLength] = String(record.size)
            return Response(status: .ok, headers: headers, body: try await self.fileIO.loadFile(path: path, context: context))
        case .partial(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(record.size)"
            headers[.contentLength] = String(range.count)
            let body = try await self.fileIO.loadFile(path: path, range: Int(range.lowerBound)...Int(range.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            var response = APIError(.rangeNotSatisfiable, "The range is outside the file").response()
            response.headers[.contentRange] = "bytes */\(record.size)"
            return response
        }
    }
}
