import Auth
import ChatModels
import Foundation
import Hummingbird
import Logging
import Mail
import NIOCore
import PostgresNIO
import ServiceClients
import ServiceKit

/// Confirming an address (`EMAIL_VERIFICATION=required`): at sign-up a link goes by mail;
/// until it is opened the account's tokens say so (`ev: false`) and it may read, not write
/// to anyone. Opening the link confirms it; the page then renews its token.
struct EmailVerification: Sendable {
    let required: Bool
    let links: MailedLinks
    let users: UserStore
    let templates: MailTemplates
    let bell: MailBell
    let throttle: AuthThrottle

    static let lifetime: Duration = .seconds(7 * 24 * 3600)
    /// Confirmation mails one account may ask for an hour.
    static let perHour = 3

    init(required: Bool, database: Database, users: UserStore, templates: MailTemplates, bell: MailBell, throttle: AuthThrottle) {
        self.required = required
        self.links = MailedLinks(database: database, table: .emailVerifications, lifetime: Self.lifetime)
        self.users = users
        self.templates = templates
        self.bell = bell
        self.throttle = throttle
    }

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.verifyEmail.pattern), use: self.verify)
        authenticated.post(RouterPath(MessagesAPI.verification.pattern), use: self.resend)
    }

    /// Whether the user's tokens may write: always when confirming is not asked for.
    func isVerified(_ userID: UUID) async throws -> Bool {
        guard self.required else { return true }
        return try await self.users.emailVerified(userID) ?? false
    }

    /// The confirmation link, mailed (at sign-up, or asked for again).
    func send(to user: User) async throws {
        guard self.required, let email = user.email else { return }
        let database = self.links.database
        try await database.transaction { connection in
            let token = try await self.links.issue(for: user.id, on: connection, logger: database.logger)
            let message = self.templates.emailVerification(
                to: MailAddress(email, name: user.name),
                link: self.templates.link("chat/verify/\(token)"),
                days: Int(Self.lifetime.components.seconds / 86400)
            )
            try await MailOutbox.enqueue(message, kind: "email_verification", on: connection, logger: database.logger)
        }
        self.bell.ring()
    }

    @Sendable func verify(_ request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.throttle.admit(address: AuthController.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: EmailVerificationRequest.self, context: context)
        let database = self.links.database
        let confirmed = try await database.transaction { connection -> Bool in
            guard let userID = try await self.links.spend(body.token, on: connection, logger: database.logger) else { return false }
            try await connection.query(
                "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = \(userID)",
                logger: database.logger
            )
            return true
        }
        guard confirmed else {
            throw APIError(.linkInvalid, "This link does not work any more: it was used, replaced by a newer one, or it expired. Ask for another.")
        }
        return Response(status: .noContent)
    }

    /// "Send it again": 202, or 204 when there is nothing to confirm.
    @Sendable func resend(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let user = try await self.users.user(id: identity.userID) else { throw APIError.invalidToken }
        guard try await !self.isVerified(user.id) else { return Response(status: .noContent) }
        guard let email = user.email, try await self.throttle.admitMail("email_verification", to: email, perHour: Self.perHour) else {
            throw APIError.rateLimited("A confirmation link went out several times this hour; look for it, or ask again later", retryAfter: 3600)
        }
        try await self.send(to: user)
        return Response(status: .accepted)
    }
}
