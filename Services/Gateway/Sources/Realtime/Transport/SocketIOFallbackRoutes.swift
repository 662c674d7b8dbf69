import Foundation
import Hummingbird
import NIOCore
import ServiceKit

/// What a Socket.IO path answers when the request is not a WebSocket upgrade we serve
/// (long-polling, another Engine.IO version): Engine.IO's own error shape, so clients report it.
struct SocketIOFallbackRoutes: Sendable {
    let paths: [String]

    func register(on router: Router<ChatRequestContext>) {
        // The router matches the path with and without its trailing slash.
        for path in self.paths {
            router.get(RouterPath(path)) { request, _ in
                let handshake = SocketHandshake(uri: request.uri.description, paths: self.paths)
                let (code, message) = if case .refuse(let code, let message) = handshake { (code, message) } else { (3, "Bad request") }
                let body = #"{"code":\#(code),"message":"\#(message)"}"#
                return Response(
                    status: .badRequest,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: body))
                )
            }
        }
    }
}
