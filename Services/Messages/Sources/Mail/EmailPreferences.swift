import Auth
import ChatModels
import Foundation
import Hummingbird
import NIOCore
import ServiceClients
import ServiceKit

/// How a user is mailed about unread messages: chosen in the profile, or stopped with one
/// click from a mail (no sign-in: the link's token says whose it is).
struct EmailPreferences: Sendable {
    let users: UserStore
    let unsubscribe: UnsubscribeToken

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.unsubscribe.pattern), use: self.stop)
        authenticated.put(RouterPath(MessagesAPI.emailNotifications.pattern), use: self.set)
    }

    @Sendable func set(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        let userID = try context.requireIdentity().userID
        let body = try await request.decodeJSON(as: EmailNotificationsRequest.self, context: context)
        guard try await self.users.setEmailNotifications(body.mode, of: userID), var user = try await self.users.user(id: userID) else {
            throw APIError.invalidToken
        }
        user.emailNotifications = body.mode
        return JSONResponse(user)
    }

    /// RFC 8058's one-click POST (its body, `List-Unsubscribe=One-Click`, says nothing more).
    @Sendable func stop(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Notice> {
        guard let userID = self.unsubscribe.user(of: try context.parameters.require("token")),
            try await self.users.setEmailNotifications(.never, of: userID)
        else {
            throw APIError(.linkInvalid, "This unsubscribe link is not one of ours")
        }
        return JSONResponse(Notice(message: "You will get no more mail about unread messages. Your profile can turn it back on."))
    }
}
