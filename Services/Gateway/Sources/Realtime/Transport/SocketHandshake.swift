import NIOHTTP1

/// What a request asks for: Engine.IO 4 over a given transport (a WebSocket for an
/// upgrade, long-polling for plain requests) on one of our paths. Query parameters are
/// read by name in any order; `t`, `b64` and unknown ones are ignored.
enum SocketHandshake: Equatable {
    case accept
    /// Not a Socket.IO path: the request goes on to the HTTP router.
    case notSocketIO
    /// A Socket.IO path, but a request we do not serve, and Engine.IO's reason.
    case refuse(EngineIOError)

    init(uri: String, paths: [String], transport: String = "websocket") {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = parts.first.map(String.init) ?? ""
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard paths.contains(path) else {
            self = .notSocketIO
            return
        }
        var query: [Substring: Substring] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[keyValue[0]] = keyValue.count > 1 ? keyValue[1] : ""
        }
        guard query["EIO"] == "4" else {
            self = .refuse(.unsupportedVersion)
            return
        }
        guard query["transport"].map(String.init) == transport else {
            self = .refuse(.unknownTransport)
            return
        }
        self = .accept
    }

    init(head: HTTPRequestHead, paths: [String]) {
        self.init(uri: head.uri, paths: paths)
    }

    /// The Engine.IO session a request names (`sid`): a polling session upgrading.
    static func sessionID(uri: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("sid=") {
            return String(pair.dropFirst(4))
        }
        return nil
    }
}
