import Foundation

/// The service that owns a path, and whether the edge must see a token first.
struct UpstreamRoute: Sendable, Equatable {
    enum Service: String, Sendable {
        case messages, presence, uploads
    }

    var service: Service
    var requiresToken: Bool

    /// Routes `/api/**` by its leading segments; nil for paths the gateway does not proxy.
    init?(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.first == "api", segments.count >= 2 else { return nil }
        switch (segments[1], segments.dropFirst(2).first) {
        case ("socket", _):
            return nil  // Socket.IO, served by the gateway itself
        case ("auth", "register"?) where segments.count == 3, ("auth", "login"?) where segments.count == 3:
            self.init(service: .messages, requiresToken: false)
        case ("presence", _):
            self.init(service: .presence, requiresToken: true)
        case ("chat", "attachments"?):
            self.init(service: .uploads, requiresToken: true)
        case ("chat", "conversations"?) where segments.count == 5 && segments[4] == "upload":
            self.init(service: .uploads, requiresToken: true)
        default:
            self.init(service: .messages, requiresToken: true)
        }
    }

    init(service: Service, requiresToken: Bool) {
        self.service = service
        self.requiresToken = requiresToken
    }
}
