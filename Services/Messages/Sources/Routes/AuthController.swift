import Auth
import ChatModels
import Foundation
import Hummingbird
import JSONKit
import Logging
import ServiceClients
import ServiceKit

/// Registration, login and the caller's own account.
struct AuthController: Sendable {
    let users: UserStore
    let tokens: TokenAuthority
    let hasher: PasswordHasher
    let throttle: AuthThrottle
    let revocations: RevocationFeed
    let openExpertSignup: Bool

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.register.pattern), use: self.registerUser)
        router.post(RouterPath(MessagesAPI.login.pattern), use: self.login)
        router.get(RouterPath(MessagesAPI.accountRules.pattern), use: self.rules)
        authenticated.get("me", use: self.me)
        authenticated.post(RouterPath(MessagesAPI.logoutEverywhere.pattern), use: self.logoutEverywhere)
    }

    @Sendable func registerUser(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.throttle.admit(address: Self.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: RegisterRequest.self, context: context)
        let name = try Validate.name(body.name)
        let email = try Validate.email(body.email)
        try Validate.newPassword(body.password)
        let role = body.role ?? .student
        guard role != .admin else { throw APIError.forbidden("Admin accounts cannot be registered") }
        guard role != .expert || self.openExpertSignup else {
            throw APIError(.expertSignupClosed, "Experts are invited: sign up as a student, or ask for an account")
        }
        let hash = try await self.hasher.hash(body.password)
        let user = try await self.users.create(name: name, email: email, passwordHash: hash, role: role)
        let token = try await self.tokens.issue(for: user.id, role: user.role)
        return JSONResponse(AuthResponse(token: token, user: user), status: .created)
    }

    /// Open: a sign-up form shows the rules before anyone has an account.
    @Sendable func rules(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AccountRules> {
        JSONResponse(AccountRules(expertSignup: self.openExpertSignup))
    }

    @Sendable func login(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.throttle.admit(address: Self.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let email = body.email.trimmingCharacters(in: .whitespaces)
        // No account has such an address (sign-up refuses them), and Postgres text cannot
        // hold a NUL: answered here, as any other wrong address is.
        guard email.utf8.count <= 254, !email.utf8.contains(0), body.password.utf8.count <= 1024 else { throw APIError.invalidCredentials }
        try await self.throttle.checkLock(email: email)
        let account = try await self.users.credentials(email: email)
        guard try await self.hasher.verify(body.password, hash: account?.passwordHash), let account else {
            await self.throttle.failed(email: email)
            throw APIError.invalidCredentials
        }
        await self.throttle.succeeded(email: email)
        if let until = account.suspendedUntil {
            // Told only to whoever knows the password: the account's own holder.
            let when = until == .distantFuture ? "for good" : "until \(ChatJSON.format(until))"
            throw APIError(.accountSuspended, "Your account is suspended \(when). Write to the platform's team if you think this is a mistake.")
        }
        let token = try await self.tokens.issue(for: account.user.id, role: account.user.role)
        return JSONResponse(AuthResponse(token: token, user: account.user))
    }

    /// Revokes every token the caller holds, this one included; their sockets end.
    @Sendable func logoutEverywhere(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let userID = try context.requireIdentity().userID
        do {
            try await self.revocations.revoke(userID)
        } catch {
            throw APIError.unavailable("Sessions could not be revoked now; try again")
        }
        context.logger.info("revoked every token of the user")
        return Response(status: .noContent)
    }

    /// The client's address as the gateway saw it (`X-Client-Address`), or the peer's.
    static func clientAddress(_ request: Request, context: ChatRequestContext) -> String {
        request.headers[.clientAddress] ?? context.remoteAddress?.ipAddress ?? "unknown"
    }

    @Sendable func me(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        guard let user = try await self.users.user(id: try context.requireIdentity().userID) else {
            throw APIError.invalidToken
        }
        return JSONResponse(user)
    }
}
