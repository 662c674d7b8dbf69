import Auth
import ChatModels
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// Passwords: changing one's own (the current one first) ends every other session;
/// "Forgot password?" mails a one-time link, whose use ends every session.
struct PasswordController: Sendable {
    let users: UserStore
    let sessions: SessionStore
    let resets: PasswordResets
    let hasher: PasswordHasher
    let throttle: AuthThrottle
    let revocations: RevocationFeed
    let templates: MailTemplates
    let bell: MailBell

    /// Reset links one account may be mailed an hour.
    static let resetsPerHour = 3

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.passwordReset.pattern), use: self.requestReset)
        router.post(RouterPath(MessagesAPI.passwordResetConfirm.pattern), use: self.confirmReset)
        authenticated.post(RouterPath(MessagesAPI.password.pattern), use: self.change)
    }

    /// Always the same answer, so that it never tells whether an account has the address.
    @Sendable func requestReset(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Notice> {
        try await self.throttle.admit(address: AuthController.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: PasswordResetRequest.self, context: context)
        let email = try Validate.email(body.email)
        if try await self.throttle.admitMail("password_reset", to: email, perHour: Self.resetsPerHour) {
            let minutes = Int(self.resets.lifetime.seconds / 60)
            let queued = try await self.resets.begin(email: email) { [templates] to, token in
                templates.passwordReset(to: to, link: templates.link("chat/reset/\(token)"), minutes: minutes)
            }
            if queued != nil { self.bell.ring() }
        }
        return JSONResponse(Notice(message: "If an account has this address, a link to reset its password is on its way."), status: .accepted)
    }

    /// Sets the new password with the link's token; every session of the account ends.
    @Sendable func confirmReset(_ request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.throttle.admit(address: AuthController.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: PasswordResetConfirmation.self, context: context)
        guard let account = try await self.resets.account(for: body.token) else { throw Self.linkInvalid }
        try PasswordPolicy.check(body.newPassword, name: account.name, email: account.email, field: "newPassword")
        let hash = try await self.hasher.hash(body.newPassword)
        guard let done = try await self.resets.complete(body.token, passwordHash: hash) else { throw Self.linkInvalid }
        await self.throttle.succeeded(email: account.email)  // a lockout from guessing ends with it
        try await self.revokeEverywhere(done.userID, sessions: done.endedSessions)
        context.logger.info("password reset by mail; every session ended")
        return Response(status: .noContent)
    }

    private static let linkInvalid = APIError(
        .linkInvalid,
        "This link does not work any more: it was used, replaced by a newer one, or it expired. Ask for another."
    )

    private func revokeEverywhere(_ userID: UUID, sessions: [UUID]) async throws {
        do {
            for session in sessions { try await self.revocations.revoke(session: session) }
            try await self.revocations.revoke(userID)
        } catch {
            throw APIError.unavailable("The password is set, but sessions could not be ended now; sign out everywhere")
        }
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
        try await self.resets.cancel(for: userID)
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
