import ChatModels
import EventBus
import FileTransfer
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// An upload as received: the stored file and the form's other fields.
struct ReceivedUpload: Sendable {
    var file: AttachmentDraft
    var fields: [String: String]
}

/// Reads an upload from the request as it streams: `multipart/form-data` (the file is the
/// part with a filename; small text fields ride along), or a raw body whose name is in
/// `X-File-Name` or `Content-Disposition`.
struct UploadReceiver: Sendable {
    let store: BlobStore
    let maxBytes: Int64
    static let maxFieldBytes = 16 * 1024
    /// Parts in one form: the file and a few fields (caption, clientMessageId) are all it needs.
    static let maxParts = 16
    /// What a form may carry besides its file: boundaries, part headers, fields.
    static let formOverhead: Int64 = 64 * 1024

    func receive(_ request: Request) async throws -> ReceivedUpload {
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > self.maxBytes + Self.formOverhead {
            throw self.tooLarge
        }
        let contentType = request.headers[.contentType] ?? ""
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = HeaderParameters.parse(contentType)["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
                throw APIError.badRequest("A multipart body needs a boundary")
            }
            return try await self.receiveMultipart(request.body, boundary: boundary)
        }
        let named =
            request.headers[HTTPField.Name("X-File-Name")!]?.removingPercentEncoding
            ?? request.headers[.contentDisposition].flatMap { header in
                let parameters = HeaderParameters.parse(header)
                return parameters["filename*"].flatMap(HeaderParameters.decodeExtended) ?? parameters["filename"]
            }
        let sink = try FileSink(store: self.store, maxBytes: self.maxBytes)
        do {
            for try await chunk in request.body { try await sink.append(chunk) }
            return ReceivedUpload(file: try await sink.finish(name: FileNames.sanitize(named)), fields: [:])
        } catch {
            await sink.abort()
            throw error
        }
    }

    private func receiveMultipart(_ body: RequestBody, boundary: String) async throws -> ReceivedUpload {
        var parser = MultipartParser(boundary: boundary)
        var fields: [String: String] = [:]
        var file: AttachmentDraft?
        var sink: FileSink?
        var sinkName = ""
        var field: (name: String, value: ByteBuffer)?
        // Every byte of the body counts, chunked or not, other parts' and extra files' too.
        var received: Int64 = 0
        var parts = 0
        do {
            for try await chunk in body {
                received += Int64(chunk.readableBytes)
                guard received <= self.maxBytes + Self.formOverhead else { throw self.tooLarge }
                for event in try parser.feed(chunk) {
                    switch event {
                    case .partBegin(let headers):
                        parts += 1
                        guard parts <= Self.maxParts else { throw APIError.badRequest("A form may have at most \(Self.maxParts) parts") }
                        let (name, filename) = headers.disposition
                        if let filename, file == nil, sink == nil {
                            sink = try FileSink(store: self.store, maxBytes: self.maxBytes)
                            sinkName = FileNames.sanitize(filename)
                        } else if let name, filename == nil {
                            field = (name, ByteBuffer())
                        }
                    case .body(let bytes):
                        if let sink {
                            try await sink.append(bytes)
                        } else if field != nil {
                            guard field!.value.readableBytes + bytes.readableBytes <= Self.maxFieldBytes else {
                                throw APIError.badRequest("Form field '\(field!.name)' is too long")
                            }
                            field!.value.writeImmutableBuffer(bytes)
                        }
                    case .partEnd:
                        if let finished = sink {
                            file = try await finished.finish(name: sinkName)
                            sink = nil
                        } else if let (name, value) = field {
                            fields[name] = String(buffer: value)
                            field = nil
                        }
                    }
                }
            }
            try parser.finish()
        } catch let error as MultipartParser.ParseError {
            await sink?.abort()
            throw APIError.badRequest("The multipart body is malformed (\(error))")
        } catch {
            await sink?.abort()
            throw error
        }
        guard let file else { throw APIError.badRequest("The form has no file part (a part with a filename)") }
        return ReceivedUpload(file: file, fields: fields)
    }

    private var tooLarge: APIError {
        APIError(.payloadTooLarge, "Files are limited to \(self.maxBytes) bytes")
    }
}
