import Auth
import ChatModels
import Foundation
import Hummingbird
import JSONKit
import Logging
import NIOFoundationCompat
import ServiceClients
import ServiceKit

/// Registration, sign-in, sessions and the caller's own account.
struct AuthController: Sendable {
    let users: UserStore
    let sessions: SessionStore
    let tokens: TokenAuthority
    let hasher: PasswordHasher
    let throttle: AuthThrottle
    let revocations: RevocationFeed
    let verification: EmailVerification
    let openExpertSignup: Bool

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.register.pattern), use: self.registerUser)
        router.post(RouterPath(MessagesAPI.login.pattern), use: self.login)
        router.get(RouterPath(MessagesAPI.accountRules.pattern), use: self.rules)
        router.post(RouterPath(MessagesAPI.refresh.pattern), use: self.refresh)
        router.post(RouterPath(MessagesAPI.logout.pattern), use: self.logout)
        authenticated.get("me", use: self.me)
        authenticated.post(RouterPath(MessagesAPI.logoutEverywhere.pattern), use: self.logoutEverywhere)
        authenticated.get(RouterPath(MessagesAPI.sessions.pattern), use: self.listSessions)
        authenticated.delete(RouterPath(MessagesAPI.session.pattern), use: self.endSession)
    }

    @Sendable func registerUser(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.throttle.admit(address: Self.clientAddress(request, context: context))
        let body = try await request.decodeJSON(as: RegisterRequest.self, context: context)
        let name = try Validate.name(body.name)
        let email = try Validate.email(body.email)
        try PasswordPolicy.check(body.password, name: name, email: email)
        let role = body.role ?? .student
        guard role != .admin else { throw APIError.forbidden("Admin accounts cannot be registered") }
        guard role != .expert || self.openExpertSignup else {
            throw APIError(.expertSignupClosed, "Experts are invited: sign up as a student, or ask for an account")
        }
        let hash = try await self.hasher.hash(body.password)
        let user = try await self.users.create(name: name, email: email, passwordHash: hash, role: role)
        do {
            try await self.verification.send(to: user)
        } catch {
            // The account stands; "Send it again" on the page asks for another link.
            context.logger.warning("confirmation mail not queued", metadata: ["error": "\(error)"])
        }
        let session = try await self.sessions.begin(for: user.id, device: Self.device(request, context: context), persistent: false)
        return try await self.signedIn(user, session: session, for: request, status: .created)
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
        if let until = account.suspendedUntil { throw Self.suspended(until: until) }
        if PasswordHasher.needsUpgrade(account.passwordHash) {
            // Stored again in the current form while the password is at hand; a failure
            // leaves the old hash, which still verifies.
            _ = try? await self.users.setPasswordHash(try await self.hasher.hash(body.password), of: account.user.id, replacing: account.passwordHash)
        }
        let session = try await self.sessions.begin(
            for: account.user.id,
            device: Self.device(request, context: context),
            persistent: body.remember ?? false
        )
        return try await self.signedIn(account.user, session: session, for: request)
    }

    /// A new access token from the session's refresh token (the body's, else the cookie's),
    /// which is replaced by a new one.
    @Sendable func refresh(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        try await self.throttle.admit(address: Self.clientAddress(request, context: context), refresh: true)
        guard let token = try await self.presentedToken(request, context: context) else {
            throw APIError(.invalidToken, "Not signed in: no session to renew")
        }
        switch try await self.sessions.renew(token, device: Self.device(request, context: context)) {
        case .renewed(let session):
            guard let user = try await self.users.user(id: session.userID) else { throw Self.sessionOver }
            return try await self.signedIn(user, session: session, for: request)
        case .unknown:
            throw Self.sessionOver
        case .reused(let session, _):
            try await self.revoke(session: session)
            context.logger.warning("a replaced refresh token came back: session ended", metadata: ["session.id": "\(session)"])
            throw Self.sessionOver
        case .suspended(let session, _, let until):
            try await self.revoke(session: session)
            throw Self.suspended(until: until)
        }
    }

    /// Signs this session out: its tokens stop working on every service, its sockets end.
    /// The session is the one of the body's or the cookie's refresh token, else of the bearer
    /// token; without any, there is nothing to end (204 all the same, and the cookie cleared).
    @Sendable func logout(_ request: Request, context: ChatRequestContext) async throws -> Response {
        var ended: UUID?
        if let token = try await self.presentedToken(request, context: context), let session = try await self.sessions.session(of: token) {
            if try await self.sessions.end(session.id, of: session.userID, reason: .signedOut) { ended = session.id }
        } else if let bearer = try? AuthMiddleware.bearerToken(request.headers), let verified = try? await self.tokens.verifyToken(bearer),
            let session = verified.sessionID
        {
            if try await self.sessions.end(session, of: verified.identity.userID, reason: .signedOut) { ended = session }
        }
        if let ended { try await self.revoke(session: ended) }
        var headers = HTTPFields()
        headers[.setCookie] = SessionCookie.cleared(settings: self.sessions.settings)
        return Response(status: .noContent, headers: headers)
    }

    /// The caller's sessions, this one marked.
    @Sendable func listSessions(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[SessionInfo]> {
        JSONResponse(try await self.sessions.sessions(of: context.requireIdentity().userID, current: context.sessionID), headers: Self.noStore)
    }

    /// Ends one of the caller's sessions ("sign out that device").
    @Sendable func endSession(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let id = try context.parameters.require("id", as: UUID.self)
        guard try await self.sessions.end(id, of: context.requireIdentity().userID, reason: .ended) else {
            throw APIError.notFound("No such session")
        }
        try await self.revoke(session: id)
        return Response(status: .noContent)
    }

    /// Revokes every token the caller holds, this one included, and ends every session;
    /// their sockets end.
    @Sendable func logoutEverywhere(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let userID = try context.requireIdentity().userID
        try await self.sessions.endAll(of: userID, reason: .everywhere)
        do {
            try await self.revocations.revoke(userID)
        } catch {
            throw APIError.unavailable("Sessions could not be revoked now; try again")
        }
        context.logger.info("revoked every token of the user")
        return Response(status: .noContent)
    }

    private static let sessionOver = APIError(.invalidToken, "Your session has ended; sign in again")
    private static let noStore: HTTPFields = [.cacheControl: "no-store"]

    static func suspended(until: Date) -> APIError {
        // Told only to whoever holds the password or the session: the account's own holder.
        let when = until == .distantFuture ? "for good" : "until \(ChatJSON.format(until))"
        return APIError(.accountSuspended, "Your account is suspended \(when). Write to the platform's team if you think this is a mistake.")
    }

    /// The answer to a sign-in or a renewal: an access token of the session, and its refresh
    /// token in the cookie, and in the body for a client that is not a browser's page (no
    /// `Origin`): no script of a page ever sees a refresh token, only the `HttpOnly` cookie
    /// holds it there.
    private func signedIn(
        _ user: User,
        session: SessionStore.Renewal,
        for request: Request,
        status: HTTPResponse.Status = .ok
    ) async throws -> JSONResponse<AuthResponse> {
        let now = Date()
        let verified = try await self.verification.isVerified(user.id)
        let token = try await self.tokens.issue(for: user.id, role: user.role, session: session.sessionID, emailVerified: verified, now: now)
        var headers = Self.noStore
        headers[.setCookie] = SessionCookie.set(session.refreshToken, persistent: session.persistent, settings: self.sessions.settings)
        let body = AuthResponse(
            token: token,
            user: try await self.ownView(user, verified: verified),
            expiresAt: self.tokens.expiry(from: now),
            refreshToken: request.headers[.origin] == nil ? session.refreshToken : nil,
            sessionId: session.sessionID
        )
        return JSONResponse(body, status: status, headers: headers)
    }

    /// The user as they see themselves: with whether their address is confirmed (where it
    /// is asked) and how they are mailed about unread messages.
    private func ownView(_ user: User, verified: Bool) async throws -> User {
        var user = user
        if self.verification.required { user.emailVerified = verified }
        user.emailNotifications = try await self.users.emailNotifications(user.id)
        return user
    }

    /// The refresh token of the body (API clients) or, if none, of the cookie, which only
    /// this site's own pages may use.
    private func presentedToken(_ request: Request, context: ChatRequestContext) async throws -> String? {
        let buffer = try await request.body.collect(upTo: 4096)
        if buffer.readableBytes > 0 {
            let body: RefreshRequest
            do {
                body = try ChatJSON.decoder().decode(RefreshRequest.self, from: buffer)
            } catch let error as DecodingError {
                throw APIError.badRequest(error.clientDescription)
            }
            if let token = body.refreshToken { return token }
        }
        guard let cookie = SessionCookie.token(in: request.headers) else { return nil }
        try SessionCookie.checkOrigin(request.headers, authority: request.head.authority)
        return cookie
    }

    private func revoke(session: UUID) async throws {
        do {
            try await self.revocations.revoke(session: session)
        } catch {
            throw APIError.unavailable("The session could not be ended now; try again")
        }
    }

    static func device(_ request: Request, context: ChatRequestContext) -> SessionStore.Device {
        SessionStore.Device(userAgent: request.headers[.userAgent], address: Self.clientAddress(request, context: context))
    }

    /// The client's address as the gateway saw it (`X-Client-Address`), or the peer's.
    static func clientAddress(_ request: Request, context: ChatRequestContext) -> String {
        request.headers[.clientAddress] ?? context.remoteAddress?.ipAddress ?? "unknown"
    }

    @Sendable func me(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        guard let user = try await self.users.user(id: try context.requireIdentity().userID) else {
            throw APIError.invalidToken
        }
        return JSONResponse(try await self.ownView(user, verified: self.verification.isVerified(user.id)))
    }
}
