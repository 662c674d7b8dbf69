import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceConfiguration

/// A file served as it was read at start: its bytes, a validator that changes with them,
/// and the headers it goes out with. A request that has the current copy gets a 304.
struct StaticFile: Sendable {
    let bytes: ByteBuffer
    let etag: String
    let headers: HTTPFields

    init(bytes data: Data, headers: HTTPFields) {
        self.bytes = ByteBuffer(bytes: data)
        // FNV-1a: a fingerprint, not a defence; the bytes are public.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        self.etag = "\"\(String(hash, radix: 16))-\(data.count)\""
        var headers = headers
        headers[.eTag] = self.etag
        self.headers = headers
    }

    /// Nil when there is no file at `path`, or it is empty.
    init?(path: String, headers: HTTPFields) {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        self.init(bytes: data, headers: headers)
    }

    func response(to request: Request) -> Response {
        if request.headers[.ifNoneMatch]?.commaSeparatedItems.contains(self.etag) == true {
            return Response(status: .notModified, headers: self.headers)
        }
        var headers = self.headers
        headers[.contentLength] = String(self.bytes.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: self.bytes))
    }
}
