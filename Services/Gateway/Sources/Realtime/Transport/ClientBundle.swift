import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// The socket.io-client bundle, served on each Socket.IO path as `socket.io.min.js` and
/// `socket.io.js`, as the Node server's `serveClient` does, so a page needs nothing else.
/// Read once at start; without the file the routes are not there, and answer 404.
struct ClientBundle: Sendable {
    let bytes: ByteBuffer
    /// Changes with the content, so a browser revalidates a cached copy cheaply.
    let etag: String

    static let names = ["socket.io.min.js", "socket.io.js"]

    /// Nil when there is no file at `path`, or it is empty.
    init?(path: String) {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        self.bytes = ByteBuffer(bytes: data)
        // FNV-1a: a fingerprint, not a defence; the bytes are public.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        self.etag = "\"\(String(hash, radix: 16))-\(data.count)\""
    }

    func register(on router: Router<ChatRequestContext>, paths: [String]) {
        for path in paths {
            for name in Self.names {
                router.get(RouterPath(path + "/" + name)) { request, _ in self.response(to: request) }
            }
        }
    }

    func response(to request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/javascript; charset=utf-8",
            .eTag: self.etag,
            .cacheControl: "public, max-age=3600",
        ]
        let cached = request.headers[.ifNoneMatch].map { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == self.etag } }
        if cached == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(self.bytes.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: self.bytes))
    }
}
