import Foundation
import JSONKit

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
    /// `/api/avatars/{sha256}`: content-addressed, so a new picture is a new URL.
    public var avatarUrl: String?
    /// One line under the name ("Calculus tutor, 10 years").
    public var headline: String?
    /// What an expert answers questions on.
    public var subjects: [String]?
    public var bio: String?
    /// Set where presence is known (the experts list, profiles, presence lookups).
    public var online: Bool?
    /// `true` for an expert an admin has vouched for; absent otherwise.
    public var verified: Bool?
    /// Whether the user confirmed their email address; for the user themselves, and only
    /// where confirming is asked for (`EMAIL_VERIFICATION=required`).
    public var emailVerified: Bool?
    /// How the user is mailed about unread messages; for the user themselves.
    public var emailNotifications: EmailNotifications?

    public init(
        id: UUID,
        name: String,
        email: String?,
        role: Role,
        avatarUrl: String? = nil,
        headline: String? = nil,
        subjects: [String]? = nil,
        bio: String? = nil,
        online: Bool? = nil,
        verified: Bool? = nil
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.role = role
        self.avatarUrl = avatarUrl
        self.headline = headline
        self.subjects = subjects
        self.bio = bio
        self.online = online
        self.verified = verified
    }

    /// This user as `viewer` may see them: the email address is theirs alone.
    public func seen(by viewer: UUID) -> User {
        var user = self
        if viewer != self.id {
            user.email = nil
            user.emailVerified = nil
            user.emailNotifications = nil
        }
        return user
    }
}

/// `PATCH /api/me`: what the caller changes of their profile. An absent field stays as it
/// is; `null` or an empty string clears `headline` and `bio`, an empty array `subjects`.
public struct ProfileChange: Codable, Sendable, Hashable {
    public enum Field<Value: Codable & Sendable & Hashable>: Sendable, Hashable {
        case unchanged
        case set(Value?)
    }

    public var name: String?
    public var headline: Field<String>
    public var subjects: [String]?
    public var bio: Field<String>

    public init(name: String? = nil, headline: Field<String> = .unchanged, subjects: [String]? = nil, bio: Field<String> = .unchanged) {
        self.name = name
        self.headline = headline
        self.subjects = subjects
        self.bio = bio
    }

    enum CodingKeys: String, CodingKey {
        case name, headline, subjects, bio
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try container.decodeIfPresent(String.self, forKey: .name)
        self.subjects = try container.decodeIfPresent([String].self, forKey: .subjects)
        func field(_ key: CodingKeys) throws -> Field<String> {
            container.contains(key) ? .set(try container.decodeIfPresent(String.self, forKey: key)) : .unchanged
        }
        self.headline = try field(.headline)
        self.bio = try field(.bio)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(self.name, forKey: .name)
        try container.encodeIfPresent(self.subjects, forKey: .subjects)
        for (key, field) in [(CodingKeys.headline, self.headline), (.bio, self.bio)] {
            if case .set(let value) = field { try container.encode(value, forKey: key) }
        }
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
    /// "Keep me signed in": the session's cookie lasts `SESSION_TTL` rather than until the
    /// browser closes. The session itself lasts as long either way.
    public var remember: Bool?

    public init(email: String, password: String, remember: Bool? = nil) {
        self.email = email
        self.password = password
        self.remember = remember
    }
}

/// The answer to register, login and refresh: a short-lived access token, who it belongs
/// to, and the session it renews from.
public struct AuthResponse: Codable, Sendable {
    /// The access token (`Authorization: Bearer`, the socket's `auth.token`).
    public var token: String
    public var user: User
    /// When `token` stops working; renew before.
    public var expiresAt: Date?
    /// The session's refresh token, for clients that keep it themselves; a browser also
    /// gets it as an `HttpOnly` cookie. It rotates on every use: keep the newest.
    public var refreshToken: String?
    public var sessionId: UUID?

    public init(token: String, user: User, expiresAt: Date? = nil, refreshToken: String? = nil, sessionId: UUID? = nil) {
        self.token = token
        self.user = user
        self.expiresAt = expiresAt
        self.refreshToken = refreshToken
        self.sessionId = sessionId
    }
}

/// `POST /api/me/password`
public struct ChangePasswordRequest: Codable, Sendable {
    public var currentPassword: String
    public var newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}

/// `POST /api/auth/password-reset`: mail a link to this address, if an account has it.
public struct PasswordResetRequest: Codable, Sendable {
    public var email: String

    public init(email: String) { self.email = email }
}

/// `POST /api/auth/password-reset/confirm`: the link's token and the new password.
public struct PasswordResetConfirmation: Codable, Sendable {
    public var token: String
    public var newPassword: String

    public init(token: String, newPassword: String) {
        self.token = token
        self.newPassword = newPassword
    }
}

/// An answer that is only words for the person (`{"message": …}`): what happens next.
public struct Notice: Codable, Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }
}

/// How someone away is told by mail of what they have not read.
public enum EmailNotifications: String, Codable, Sendable, CaseIterable {
    case never
    /// One mail listing the conversations (the default).
    case digest
    /// One mail a conversation.
    case each
}

/// `PUT /api/me/email-notifications`
public struct EmailNotificationsRequest: Codable, Sendable {
    public var mode: EmailNotifications

    public init(mode: EmailNotifications) { self.mode = mode }
}

/// `POST /api/auth/verify-email`: the token of the link mailed at sign-up.
public struct EmailVerificationRequest: Codable, Sendable {
    public var token: String

    public init(token: String) { self.token = token }
}

/// `POST /api/auth/refresh` and `/api/auth/logout`: the refresh token, or nothing when the
/// session's cookie carries it.
public struct RefreshRequest: Codable, Sendable {
    public var refreshToken: String?

    public init(refreshToken: String? = nil) {
        self.refreshToken = refreshToken
    }
}

/// One signed-in device, as `GET /api/auth/sessions` lists them.
public struct SessionInfo: Codable, Sendable, Equatable {
    public var id: UUID
    /// The browser or client that signed in, from its `User-Agent` (cut to 256 bytes).
    public var userAgent: String?
    /// The address it was last used from.
    public var address: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    /// Whether this is the session the request came from.
    public var current: Bool

    public init(id: UUID, userAgent: String?, address: String?, createdAt: Date, lastUsedAt: Date, expiresAt: Date, current: Bool) {
        self.id = id
        self.userAgent = userAgent
        self.address = address
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.current = current
    }
}
