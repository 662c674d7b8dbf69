import Foundation

/// What a user is to the product: students ask, experts answer, admins run the place.
public enum Role: String, Codable, Sendable, CaseIterable {
    case student
    case expert
    case admin
}

/// A user as clients see it; never carries credentials, and carries the email address only
/// for the user themselves (`seen(by:)`).
public struct User: Codable, Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var email: String?
    public var role: Role
    public var avatarUrl: String?
    /// Set where presence is known (the experts list, presence lookups).
    public var online: Bool?

    public init(id: UUID, name: String, email: String?, role: Role, avatarUrl: String? = nil, online: Bool? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.role = role
        self.avatarUrl = avatarUrl
        self.online = online
    }

    /// This user as `viewer` may see them: the email address is theirs alone.
    public func seen(by viewer: UUID) -> User {
        var user = self
        if viewer != self.id { user.email = nil }
        return user
    }
}

/// `POST /api/auth/register`
public struct RegisterRequest: Codable, Sendable {
    public var name: String
    public var email: String
    public var password: String
    public var role: Role?

    public init(name: String, email: String, password: String, role: Role? = nil) {
        self.name = name
        self.email = email
        self.password = password
        self.role = role
    }
}

/// `POST /api/auth/login`
public struct LoginRequest: Codable, Sendable {
    public var email: String
    public var password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// The answer to register and login: a bearer token and who it belongs to.
public struct AuthResponse: Codable, Sendable {
    public var token: String
    public var user: User

    public init(token: String, user: User) {
        self.token = token
        self.user = user
    }
}
