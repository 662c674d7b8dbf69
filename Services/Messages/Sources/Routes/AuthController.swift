import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// Registration, login and the caller's own account.
struct AuthController: Sendable {
    let users: UserStore
    let tokens: TokenAuthority
    let hasher: PasswordHasher

    func register(public router: RouterGroup<ChatRequestContext>, authenticated: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(MessagesAPI.register.pattern), use: self.registerUser)
        router.post(RouterPath(MessagesAPI.login.pattern), use: self.login)
        authenticated.get("me", use: self.me)
    }

    @Sendable func registerUser(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        let body = try await request.decodeJSON(as: RegisterRequest.self, context: context)
        let name = try Validate.name(body.name)
        let email = try Validate.email(body.email)
        try Validate.newPassword(body.password)
        let role = body.role ?? .student
        guard role != .admin else { throw APIError.forbidden("Admin accounts cannot be registered") }
        let hash = try await self.hasher.hash(body.password)
        let user = try await self.users.create(name: name, email: email, passwordHash: hash, role: role)
        let token = try await self.tokens.issue(for: user.id, role: user.role)
        return JSONResponse(AuthResponse(token: token, user: user), status: .created)
    }

    @Sendable func login(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        guard body.password.utf8.count <= 1024 else { throw APIError.invalidCredentials }
        let account = try await self.users.credentials(email: body.email.trimmingCharacters(in: .whitespaces))
        guard try await self.hasher.verify(body.password, hash: account?.passwordHash), let account else {
            throw APIError.invalidCredentials
        }
        let token = try await self.tokens.issue(for: account.user.id, role: account.user.role)
        return JSONResponse(AuthResponse(token: token, user: account.user))
    }

    @Sendable func me(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        guard let user = try await self.users.user(id: try context.requireIdentity().userID) else {
            throw APIError.invalidToken
        }
        return JSONResponse(user)
    }
}
