import AsyncHTTPClient
import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONKit
import Logging
import MessagesApp
import MessagesTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import Redis
import ServiceClients
import ServiceKit
import Testing

@testable import UploadsApp

/// The uploads service in front of a live messages service, on a directory of its own.
@Suite struct UploadsServiceTests {
    struct Setup: Sendable {
        let uploadsPort: Int
        let directory: String
        let student: Account
        let conversation: Conversation
        let messagesPort: Int
    }

    func withUploads(maxBytes: Int64, _ body: @escaping @Sendable (Setup, any TestClientProtocol) async throws -> Void) async throws {
        try await withMessages(.live) { api in
            let messagesPort = try #require(api.port)
            let (student, _, conversation) = try await api.pair("Uploader", "Receiver")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let configuration = UploadsConfiguration(
                http: HTTPSettings(port: 0),
                redis: try TestEnvironment.messages().redis,
                auth: TestEnvironment.auth,
                directory: directory,
                maxUploadBytes: maxBytes,
                messages: ServiceEndpoint(url: URL(string: "http://127.0.0.1:\(messagesPort)")!, timeout: .seconds(5)),
                logLevel: .critical
            )
            let uploads = try await UploadsApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger)
            try await uploads.test(.live) { client in
                try await body(
                    Setup(
                        uploadsPort: try #require(client.port),
                        directory: directory,
                        student: student,
                        conversation: conversation,
                        messagesPort: messagesPort
                    ),
                    client
                )
            }
        }
    }

    static func files(under directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    @Test func anUploadOverTheLimitMidStreamIs413AndLeavesNoFile() async throws {
        try await self.withUploads(maxBytes: 1 << 20) { setup, _ in
            let http = HTTPClient.shared
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(setup.uploadsPort)/api/chat/conversations/\(setup.conversation.id)/upload")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(setup.student.token)")
            request.headers.add(name: "X-File-Name", value: "big.bin")
            // No length declared: the limit is found only while the bytes stream in.
            let chunks = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<48 { continuation.yield(ByteBuffer(repeating: 42, count: 64 * 1024)) }
                continuation.finish()
            }
            request.body = .stream(chunks, length: .unknown)
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 413)
            #expect(try ChatJSON.decoder().decode(ErrorBody.self, from: body).error.code == .payloadTooLarge)
            #expect(Self.files(under: setup.directory).isEmpty, "no partial file is left behind")
        }
    }

    /// A multipart body streamed without a declared length: `parts` as they are.
    func postForm(_ setup: Setup, boundary: String = "XyZ", parts: [ByteBuffer]) async throws -> (status: Int, error: ErrorCode?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(setup.uploadsPort)/api/chat/conversations/\(setup.conversation.id)/upload")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(setup.student.token)")
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        let chunks = AsyncStream<ByteBuffer> { continuation in
            for part in parts { continuation.yield(part) }
            continuation.yield(ByteBuffer(string: "--\(boundary)--\r\n"))
            continuation.finish()
        }
        request.body = .stream(chunks, length: .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? ChatJSON.decoder().decode(ErrorBody.self, from: body).error.code)
    }

    static func part(name: String, filename: String? = nil, _ content: ByteBuffer, boundary: String = "XyZ") -> ByteBuffer {
        var buffer = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"")
        if let filename { buffer.writeString("; filename=\"\(filename)\"") }
        buffer.writeString("\r\n\r\n")
        buffer.writeImmutableBuffer(content)
        buffer.writeString("\r\n")
        return buffer
    }

    @Test func extraFilePartsCountAgainstTheLimitChunkedOrNot() async throws {
        try await self.withUploads(maxBytes: 1 << 20) { setup, _ in
            // One file within the limit, then another one (ignored, but its bytes still come).
            let file = Self.part(name: "file", filename: "a.bin", ByteBuffer(repeating: 1, count: 900 * 1024))
            let extra = Self.part(name: "more", filename: "b.bin", ByteBuffer(repeating: 2, count: 900 * 1024))
            let answer = try await self.postForm(setup, parts: [file, extra])
            #expect(answer.status == 413 && answer.error == .payloadTooLarge)
            // (The first file, complete when the second overflowed, is an orphan: no message
            // holds it, and the sweeper removes it after its grace period.)
            // The same file alone goes through.
            #expect(try await self.postForm(setup, parts: [file]).status == 201)
        }
    }

    @Test func aFormOfManyFieldsIsRefused() async throws {
        try await self.withUploads(maxBytes: 1 << 20) { setup, _ in
            let fields = (0..<40).map { Self.part(name: "f\($0)", ByteBuffer(repeating: 65, count: 8 * 1024)) }
            let file = Self.part(name: "file", filename: "a.txt", ByteBuffer(string: "hello"))
            let answer = try await self.postForm(setup, parts: fields + [file])
            #expect(answer.status == 400 && answer.error == .badRequest)
            #expect(try await self.postForm(setup, parts: Array(fields.prefix(3)) + [file]).status == 201)
        }
    }

    @Test func aDeclaredLengthOverTheLimitIsRefusedBeforeReading() async throws {
        try await self.withUploads(maxBytes: 1 << 20) { setup, client in
            let response = try await client.execute(
                uri: "/api/chat/conversations/\(setup.conversation.id)/upload",
                method: .post,
                headers: [.authorization: "Bearer \(setup.student.token)", .contentLength: "\(8 << 20)"],
                body: ByteBuffer(repeating: 1, count: 8 << 20)
            )
            #expect(response.status == .contentTooLarge)
            #expect(Self.files(under: setup.directory).isEmpty)
        }
    }

    @Test func filesNoMessageHoldsAreRemovedAfterTheGracePeriodAndNoOthers() async throws {
        try await self.withUploads(maxBytes: 1 << 20) { setup, client in
            let kept = try await client.execute(
                uri: "/api/chat/conversations/\(setup.conversation.id)/upload",
                method: .post,
                headers: [.authorization: "Bearer \(setup.student.token)", HTTPField.Name("X-File-Name")!: "kept.txt"],
                body: ByteBuffer(string: "a file with a message")
            ).decode(Message.self)
            let store = BlobStore(root: setup.directory)
            let keptPath = store.path(for: BlobStore.key(sha256: try #require(kept.attachments.first).sha256))
            let orphan = store.path(for: BlobStore.key(sha256: String(repeating: "ab", count: 32)))
            let fresh = store.path(for: BlobStore.key(sha256: String(repeating: "cd", count: 32)))
            let abandoned = store.temporaryDirectory + "/abandoned.part"
            for path in [orphan, fresh, abandoned] {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            }
            let old = Date().addingTimeInterval(-7200)
            for path in [keptPath, orphan, abandoned] {
                try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
            }
            let messages = MessagesClient(
                client: HTTPClient.shared,
                endpoint: ServiceEndpoint(url: URL(string: "http://127.0.0.1:\(setup.messagesPort)")!, timeout: .seconds(5)),
                serviceToken: ServiceTokenCache(tokens: await TokenAuthority(settings: TestEnvironment.auth), service: "uploads").token
            )
            let sweeper = OrphanSweeper(store: store, messages: messages, grace: .seconds(3600), every: .seconds(600), logger: TestEnvironment.logger)
            #expect(try await sweeper.sweep() == 2)
            #expect(FileManager.default.fileExists(atPath: keptPath), "a file a message holds stays")
            #expect(FileManager.default.fileExists(atPath: fresh), "a file younger than the grace period stays")
            #expect(!FileManager.default.fileExists(atPath: orphan) && !FileManager.default.fileExists(atPath: abandoned))
        }
    }
}
