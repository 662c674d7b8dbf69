import Foundation
import JSONKit

/// `POST /api/chat/conversations/{id}/members`: users the owner or an admin adds.
public struct AddMembersRequest: Codable, Sendable {
    public var userIds: [UUID]

    public init(userIds: [UUID]) {
        self.userIds = userIds
    }
}

/// `PATCH /api/chat/conversations/{id}/members/{userId}`: the owner makes a member an
/// admin or a member again, or (`owner`) hands the group to them.
public struct SetRoleRequest: Codable, Sendable {
    public var role: GroupRole

    public init(role: GroupRole) {
        self.role = role
    }
}

/// `POST /api/chat/conversations/{id}/invites`: how long the link lasts and how often it
/// may be used (no limit if absent).
public struct CreateInviteRequest: Codable, Sendable {
    public var expiresInSeconds: Int?
    public var maxUses: Int?

    public init(expiresInSeconds: Int? = nil, maxUses: Int? = nil) {
        self.expiresInSeconds = expiresInSeconds
        self.maxUses = maxUses
    }

    public static let defaultLifetime = 7 * 24 * 3600
    public static let longestLifetime = 30 * 24 * 3600
    public static let mostUses = 1000
}

/// An invite link to a group: a signed-in user who opens `/chat/join/<token>` joins it.
public struct GroupInvite: Codable, Sendable, Hashable {
    public var id: UUID
    public var conversationId: UUID
    public var token: String
    /// The page's address for it, relative to the site.
    public var path: String
    public var createdBy: UUID?
    public var createdAt: Date
    public var expiresAt: Date
    public var maxUses: Int?
    public var uses: Int
    public var revokedAt: Date?

    public init(
        id: UUID,
        conversationId: UUID,
        token: String,
        createdBy: UUID?,
        createdAt: Date,
        expiresAt: Date,
        maxUses: Int?,
        uses: Int,
        revokedAt: Date?
    ) {
        self.id = id
        self.conversationId = conversationId
        self.token = token
        self.path = "/chat/join/" + token
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.revokedAt = revokedAt
    }
}

/// `GET /api/chat/invites/{token}`: what a link leads to, before joining.
public struct InvitePreview: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var title: String?
    public var memberCount: Int
    public var expiresAt: Date
    /// The caller is in the group already.
    public var isMember: Bool

    public init(conversationId: UUID, title: String?, memberCount: Int, expiresAt: Date, isMember: Bool) {
        self.conversationId = conversationId
        self.title = title
        self.memberCount = memberCount
        self.expiresAt = expiresAt
        self.isMember = isMember
    }
}

/// `group_updated`: a group's members, their roles, its title, description and picture as they are
/// now, to every member's own sockets after any change to them.
public struct GroupUpdated: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var title: String?
    public var description: String?
    public var pictureUrl: String?
    public var participants: [User]
    public var roles: [MemberRole]
    public var formerParticipants: [User]

    public init(
        conversationId: UUID,
        title: String?,
        description: String?,
        pictureUrl: String? = nil,
        participants: [User],
        roles: [MemberRole],
        formerParticipants: [User]
    ) {
        self.conversationId = conversationId
        self.title = title
        self.description = description
        self.pictureUrl = pictureUrl
        self.participants = participants
        self.roles = roles
        self.formerParticipants = formerParticipants
    }
}

/// `conversation_left`: to the sockets of one who left a group or was removed from it. Their
/// sockets are out of its room before it arrives; they get nothing more from it.
public struct ConversationLeft: Codable, Sendable, Hashable {
    public var conversationId: UUID
    public var departure: Departure

    public init(conversationId: UUID, departure: Departure) {
        self.conversationId = conversationId
        self.departure = departure
    }
}
