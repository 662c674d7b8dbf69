import Auth
import ChatModels
import Foundation
import Hummingbird
import Logging
import ServiceClients
import ServiceKit

/// The caller's password: changing it (the current one first) ends every other session.
struct PasswordController: Sendable {
    let users: UserStore
    let sessions: SessionStore
    let hasher: PasswordHasher
    let throttle: AuthThrottle
    let revocations: RevocationFeed

    func register(authenticated: RouterGroup<ChatRequestContext>) {
        authenticated.post(RouterPath(MessagesAPI.password.pattern), use: self.change)
    }

    @Sendable func change(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let userID = try context.requireIdentity().userID
        let body = try await request.decodeJSON(as: ChangePasswordRequest.self, context: context)
        guard let account = try await self.users.credentials(id: userID) else { throw APIError.invalidToken }
        // Wrong guesses count towards the account's lockout, as at sign-in: a stolen session
        // does not make the password guessable.
        try await self.throttle.checkLock(email: account.email)
        guard body.currentPassword.utf8.count <= AccountRules.passwordMaxBytes,
            try await self.hasher.verify(body.currentPassword, hash: account.passwordHash)
        else {
            await self.throttle.failed(email: account.email)
            throw APIError.validation("The current password is not right", field: "currentPassword")
        }
        try PasswordPolicy.check(body.newPassword, name: account.name, email: account.email, field: "newPassword")
        let hash = try await self.hasher.hash(body.newPassword)
        guard try await self.users.setPasswordHash(hash, of: userID, replacing: account.passwordHash) else {
            // Changed meanwhile, by another request: what was given is no longer the current one.
            throw APIError.validation("The current password is not right", field: "currentPassword")
        }
        try await self.endOtherSessions(of: userID, keeping: context.sessionID)
        context.logger.info("password changed; other sessions ended")
        return Response(status: .noContent)
    }

    /// Every session but the caller's ends, on every service: whoever else held one is out.
    private func endOtherSessions(of userID: UUID, keeping current: UUID?) async throws {
        let ended = try await self.sessions.endAll(of: userID, except: current, reason: .password)
        do {
            for session in ended { try await self.revocations.revoke(session: session) }
            // A token of no session (none is issued so now) cannot be told apart: all go.
            if current == nil { try await self.revocations.revoke(userID) }
        } catch {
            throw APIError.unavailable("The password changed, but other sessions could not be ended now; sign out everywhere")
        }
    }
}
