import Foundation
import JSONKit

/// The routes of the messages service that other services call, and what they exchange.
public enum MessagesAPI {
    /// Where callers find the service unless told otherwise (`MESSAGES_URL`).
    public static let defaultURL = "http://127.0.0.1:8081"

    /// Mounted at `/api/chat`, behind a user's token.
    public static let chatGroup = "api/chat"
    /// Mounted at `/api`, open: how a user gets a token.
    public static let authGroup = "api"
    /// Mounted at `/internal`, behind a service token; the gateway never routes to it.
    public static let internalGroup = "internal"

    /// `POST` `RegisterRequest` → 201 `AuthResponse`.
    public static let register = ServiceRoute(group: authGroup, pattern: "auth/register")
    /// `POST` `LoginRequest` → `AuthResponse`.
    public static let login = ServiceRoute(group: authGroup, pattern: "auth/login")
    /// `GET` → `AccountRules`: what a new account must meet.
    public static let accountRules = ServiceRoute(group: authGroup, pattern: "auth/rules")
    /// `POST` → 204: every token the caller holds stops working, on every service, and
    /// their sockets end ("log out everywhere").
    public static let logoutEverywhere = ServiceRoute(group: authGroup, pattern: "auth/logout-all")
    /// `POST` `RefreshRequest` (or the session cookie) → `AuthResponse`: a new access token,
    /// and the refresh token that replaces the one presented.
    public static let refresh = ServiceRoute(group: authGroup, pattern: "auth/refresh")
    /// `POST` `RefreshRequest` (or the session cookie, or the bearer token) → 204: this
    /// session ends, on every service, its sockets too.
    public static let logout = ServiceRoute(group: authGroup, pattern: "auth/logout")
    /// `GET` → `[SessionInfo]`: the caller's signed-in devices.
    public static let sessions = ServiceRoute(group: authGroup, pattern: "auth/sessions")
    /// `POST` `PasswordResetRequest` → 202, whether or not an account has the address: a
    /// one-time link to it if one does.
    public static let passwordReset = ServiceRoute(group: authGroup, pattern: "auth/password-reset")
    /// `POST` `PasswordResetConfirmation` → 204: the password set, every session ended.
    public static let passwordResetConfirm = ServiceRoute(group: authGroup, pattern: "auth/password-reset/confirm")
    /// `POST` `EmailVerificationRequest` → 204: the address is confirmed (open: the link may
    /// be opened anywhere).
    public static let verifyEmail = ServiceRoute(group: authGroup, pattern: "auth/verify-email")
    /// `POST` → 202: the confirmation link mailed again.
    public static let verification = ServiceRoute(group: authGroup, pattern: "me/verification")
    /// `PUT` `EmailNotificationsRequest` → the caller: how they are mailed about unread messages.
    public static let emailNotifications = ServiceRoute(group: authGroup, pattern: "me/email-notifications")
    /// `POST` → 200: no more mail about unread messages (a mail's one-click unsubscribe, RFC 8058; open).
    public static let unsubscribe = ServiceRoute(group: authGroup, pattern: "email/unsubscribe/{token}")
    /// `POST` `ChangePasswordRequest` → 204: the password changed, every other session ended.
    public static let password = ServiceRoute(group: authGroup, pattern: "me/password")
    /// `DELETE` → 204: that session ends as `logout` ends one.
    public static let session = ServiceRoute(group: authGroup, pattern: "auth/sessions/{id}")
    /// `GET`: the caller's conversations, a page (`limit`, `cursor`) at a time; `POST`: a new one.
    public static let conversations = ServiceRoute(group: chatGroup, pattern: "conversations")
    /// `GET`: one conversation as the caller sees it (members only).
    public static let conversation = ServiceRoute(group: chatGroup, pattern: "conversations/{id}")
    /// `POST` `MarkReadRequest` → `ReadReceipt`.
    public static let markRead = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/read")
    /// `POST` `MarkUnreadRequest` → `ConversationUpdated`.
    public static let markUnread = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/unread")
    /// `GET ?before=|after=&limit=` → `MessagePage`; `POST` `SendMessageRequest` → `Message`.
    public static let messages = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/messages")
    /// `PATCH` `EditMessageRequest` → `Message`; `DELETE` → the tombstone.
    public static let message = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/messages/{messageId}")
    /// `PUT`, `DELETE` → `Message`: the caller's reaction with `{emoji}` (percent-encoded).
    public static let reaction = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/messages/{messageId}/reactions/{emoji}")
    /// `POST` `AddMembersRequest` → `Conversation`: the owner or an admin adds members to a group.
    public static let members = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/members")
    /// `PATCH` `SetRoleRequest` → `Conversation` (the owner); `DELETE` → `Conversation`: the
    /// member removed, or, for the caller's own id, the caller left.
    public static let member = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/members/{userId}")
    /// `GET` → `[GroupInvite]`, the links that work; `POST` `CreateInviteRequest` → 201 `GroupInvite`.
    public static let invites = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/invites")
    /// `DELETE` → 204: the link no longer works.
    public static let invite = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/invites/{inviteId}")
    /// `GET` → `InvitePreview`: where a link leads.
    public static let invitation = ServiceRoute(group: chatGroup, pattern: "invites/{token}")
    /// `POST` → `Conversation`: the caller joins by the link (200 if they were in already).
    public static let acceptInvite = ServiceRoute(group: chatGroup, pattern: "invites/{token}/join")
    /// `GET ?after=CHANGESEQ&limit=` → `ChangePage`: what changed since.
    public static let changes = ServiceRoute(group: chatGroup, pattern: "conversations/{id}/changes")

    /// `GET` → `MessagePolicy`: what this deployment allows of messages.
    public static let policy = ServiceRoute(group: chatGroup, pattern: "policy")

    /// `GET ?q=&conversationId=&from=&after=&before=&limit=&cursor=` → `SearchPage`.
    public static let search = ServiceRoute(group: chatGroup, pattern: "search")

    /// `GET ?q=&online=&limit=&cursor=` → `[User]`, the next page in `Link: <…>; rel="next"`.
    public static let experts = ServiceRoute(group: chatGroup, pattern: "experts")
    /// `GET` → the caller's `User`; `PATCH` `ProfileChange` → `User`.
    public static let me = ServiceRoute(group: authGroup, pattern: "me")
    /// `GET` → a user's public profile (`User` without email).
    public static let user = ServiceRoute(group: authGroup, pattern: "users/{id}")

    /// `GET` → `[User]`, whom the caller blocked.
    public static let blocks = ServiceRoute(group: authGroup, pattern: "me/blocks")
    /// `PUT` → 204, the user blocked; `DELETE` → 204, no longer.
    public static let block = ServiceRoute(group: authGroup, pattern: "me/blocks/{id}")

    /// `POST` `ReportRequest` → 201 `ReportReceipt`.
    public static let reports = ServiceRoute(group: authGroup, pattern: "reports")
    /// `GET ?state=&limit=&cursor=` → `ReportPage`, the longest waiting first. Admins only.
    public static let moderationQueue = ServiceRoute(group: authGroup, pattern: "admin/reports")
    /// `POST` `ModerationRequest` → 204. Admins only.
    public static let moderationActions = ServiceRoute(group: authGroup, pattern: "admin/reports/{id}/actions")
    /// `POST` → 204, a suspension lifted. Admins only.
    public static let restore = ServiceRoute(group: authGroup, pattern: "admin/users/{id}/restore")

    /// `PUT` → the expert, verified; `DELETE` → no longer. Admins only.
    public static let verified = ServiceRoute(group: authGroup, pattern: "admin/users/{id}/verified")
    /// `GET ?limit=&cursor=` → `AuditPage`, newest first. Admins only.
    public static let audit = ServiceRoute(group: authGroup, pattern: "admin/audit")

    /// `PUT` `AvatarRecord` → `User`: the user's picture is now this stored file; `DELETE`
    /// → `User`: no picture.
    public static let avatar = ServiceRoute(group: internalGroup, pattern: "users/{id}/avatar")
    /// `PUT` `GroupPictureChange` → `Conversation` as the actor sees it: the group's picture
    /// is now this stored file (or none), if the actor may change it.
    public static let groupPicture = ServiceRoute(group: internalGroup, pattern: "conversations/{id}/picture")
    /// `GET` → `BlockRelations`: whom the user blocked or was blocked by.
    public static let blockRelations = ServiceRoute(group: internalGroup, pattern: "users/{id}/blocks")
    /// `GET` → `Contacts`: who shares a conversation with the user.
    public static let contacts = ServiceRoute(group: internalGroup, pattern: "users/{id}/contacts")
    /// `GET ?userId=` → `AttachmentRecord`, for a member of its conversation.
    public static let attachment = ServiceRoute(group: internalGroup, pattern: "attachments/{id}")
    /// `POST` `StorageKeys` → `StorageKeys`: those still referred to.
    public static let referencedStorageKeys = ServiceRoute(group: internalGroup, pattern: "attachments/referenced")
    /// The most storage keys asked about at once.
    public static let maxStorageKeys = 10_000
}

/// The users who share a conversation with one user: whom their presence concerns.
public struct Contacts: Codable, Sendable, Hashable {
    /// Who shares a conversation with the user, but for those in `blockedUserIds`.
    public var userIds: [UUID]
    /// Whom the user blocked or was blocked by: no status or typing flows between them.
    public var blockedUserIds: [UUID]

    public init(userIds: [UUID], blockedUserIds: [UUID] = []) {
        self.userIds = userIds
        self.blockedUserIds = blockedUserIds
    }
}

/// Whom a user blocked or was blocked by (`MessagesAPI.blockRelations`).
public struct BlockRelations: Codable, Sendable, Hashable {
    public var userIds: [UUID]

    public init(userIds: [UUID]) {
        self.userIds = userIds
    }
}

/// An attachment as uploads needs it to serve a download (`MessagesAPI.attachment`).
public struct AttachmentRecord: Codable, Sendable, Hashable {
    public var id: UUID
    public var conversationId: UUID
    public var name: String
    public var size: Int64
    public var mimeType: String
    public var sha256: String
    public var storageKey: String

    public init(id: UUID, conversationId: UUID, name: String, size: Int64, mimeType: String, sha256: String, storageKey: String) {
        self.id = id
        self.conversationId = conversationId
        self.name = name
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.storageKey = storageKey
    }
}

/// A profile picture uploads stored, as messages records it (`MessagesAPI.avatar`).
public struct AvatarRecord: Codable, Sendable, Hashable {
    public var storageKey: String
    public var sha256: String

    public init(storageKey: String, sha256: String) {
        self.storageKey = storageKey
        self.sha256 = sha256
    }
}

/// A group's new picture (none: it is removed), asked for by `actorId`.
public struct GroupPictureChange: Codable, Sendable, Hashable {
    public var actorId: UUID
    public var picture: AvatarRecord?

    public init(actorId: UUID, picture: AvatarRecord?) {
        self.actorId = actorId
        self.picture = picture
    }
}

/// Storage keys, asked about and answered (which of them messages still references).
public struct StorageKeys: Codable, Sendable, Hashable {
    public var storageKeys: [String]

    public init(_ storageKeys: [String]) {
        self.storageKeys = storageKeys
    }
}
