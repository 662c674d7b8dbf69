import Foundation
import Hummingbird
import NIOCore
import ServiceKit

/// What a Socket.IO path answers when the request is not a WebSocket upgrade we serve
/// (long-polling, another Engine.IO version, a page of an origin not allowed): Engine.IO's
/// own error shape, so clients report it.
struct SocketIOFallbackRoutes: Sendable {
    let paths: [String]
    let origins: OriginPolicy

    func register(on router: Router<ChatRequestContext>) {
        // The router matches the path with and without its trailing slash.
        for path in self.paths {
            router.get(RouterPath(path)) { request, _ in
                guard self.origins.admits(origin: request.headers[.origin], host: request.head.authority) else {
                    return Self.engineIOError(status: .forbidden, code: 4, message: "Forbidden")
                }
                let handshake = SocketHandshake(uri: request.uri.description, paths: self.paths)
                let (code, message) = if case .refuse(let code, let message) = handshake { (code, message) } else { (3, "Bad request") }
                return Self.engineIOError(status: .badRequest, code: code, message: message)
            }
        }
    }

    /// Engine.IO's error body, `{"code": …, "message": …}`.
    static func engineIOError(status: HTTPResponse.Status, code: Int, message: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"code":\#(code),"message":"\#(message)"}"#))
        )
    }
}
