import HTTPTypes
import Hummingbird
import ServiceKit

/// The socket.io-client bundle, served on each Socket.IO path as `socket.io.min.js` and
/// `socket.io.js`, as the Node server's `serveClient` does, so a page needs nothing else.
/// Read once at start; without the file the routes are not there, and answer 404.
struct ClientBundle: Sendable {
    let file: StaticFile

    static let names = ["socket.io.min.js", "socket.io.js"]

    /// Nil when there is no file at `path`, or it is empty.
    init?(path: String) {
        let headers: HTTPFields = [.contentType: "application/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"]
        guard let file = StaticFile(path: path, headers: headers) else { return nil }
        self.file = file
    }

    func register(on router: Router<ChatRequestContext>, paths: [String]) {
        for path in paths {
            for name in Self.names {
                router.get(RouterPath(path + "/" + name)) { request, _ in self.file.response(to: request) }
            }
        }
    }
}
