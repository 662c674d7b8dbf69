import Foundation
import ServiceClients

/// The service that owns a path, and whether the edge must see a token first.
struct UpstreamRoute: Sendable, Equatable {
    enum Service: String, Sendable {
        case messages, presence, uploads
    }

    var service: Service
    var requiresToken: Bool

    /// Routes `/api/**` by the routes the services declare; what no other service claims
    /// is messages'. Nil for paths the gateway does not proxy.
    init?(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        // `/api/socket` is Socket.IO and `/api/openapi.json` the API's description, both
        // served by the gateway itself.
        guard segments.first == "api", segments.count >= 2, segments[1] != "socket", segments[1...] != ["openapi.json"] else { return nil }
        if [
            MessagesAPI.register, MessagesAPI.login, MessagesAPI.accountRules, MessagesAPI.refresh, MessagesAPI.logout, MessagesAPI.passwordReset,
            MessagesAPI.passwordResetConfirm, MessagesAPI.verifyEmail, MessagesAPI.unsubscribe,
        ].contains(where: {
            $0.matches(segments)
        }) {
            self.init(service: .messages, requiresToken: false)
        } else if [PresenceAPI.presence, PresenceAPI.iceServers].contains(where: { $0.matches(segments) }) {
            self.init(service: .presence, requiresToken: true)
        } else if [UploadsAPI.download, UploadsAPI.upload, UploadsAPI.avatar, UploadsAPI.avatarImage, UploadsAPI.groupPicture].contains(where: {
            $0.matches(segments)
        }) {
            self.init(service: .uploads, requiresToken: true)
        } else {
            self.init(service: .messages, requiresToken: true)
        }
    }

    init(service: Service, requiresToken: Bool) {
        self.service = service
        self.requiresToken = requiresToken
    }
}
