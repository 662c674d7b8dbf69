import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// Invite links: the owner or an admin makes one (expiring, with an optional use limit) and
/// may revoke it; a signed-in user who opens it joins as a member.
extension GroupStore {
    static let inviteColumns = "i.id, i.conversation_id, i.token, i.created_by, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at"

    static func invite(_ row: (UUID, UUID, String, UUID?, Date, Date, Int32?, Int32, Date?)) -> GroupInvite {
        GroupInvite(
            id: row.0,
            conversationId: row.1,
            token: row.2,
            createdBy: row.3,
            createdAt: row.4,
            expiresAt: row.5,
            maxUses: row.6.map(Int.init),
            uses: Int(row.7),
            revokedAt: row.8
        )
    }

    /// 128 random bits, base64url: what the link carries.
    static func newToken() -> String {
        Base64URL.random(bytes: 16)
    }

    func createInvite(in id: UUID, by actor: UUID, lifetime: Int, maxUses: Int?) async throws -> GroupInvite {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.invite)
            let rows = try await connection.query(
                """
                INSERT INTO group_invites AS i (id, conversation_id, token, created_by, expires_at, max_uses)
                VALUES (\(UUID()), \(id), \(Self.newToken()), \(actor), now() + make_interval(secs => \(Double(lifetime))), \(maxUses.map(Int32.init)))
                RETURNING \(unescaped: Self.inviteColumns)
                """,
                logger: logger
            )
            return try await rows.decode((UUID, UUID, String, UUID?, Date, Date, Int32?, Int32, Date?).self).first { _ in true }.map(Self.invite)!
        }
    }

    /// The group's links that still work, newest first.
    func invites(of id: UUID, for actor: UUID) async throws -> [GroupInvite] {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.invite)
            return try await connection.query(
                """
                SELECT \(unescaped: Self.inviteColumns) FROM group_invites i
                WHERE i.conversation_id = \(id) AND i.revoked_at IS NULL AND i.expires_at > now()
                  AND (i.max_uses IS NULL OR i.uses < i.max_uses)
                ORDER BY i.created_at DESC
                """,
                logger: logger
            ).decode((UUID, UUID, String, UUID?, Date, Date, Int32?, Int32, Date?).self).reduce(into: []) { $0.append(Self.invite($1)) }
        }
    }

    func revokeInvite(_ inviteID: UUID, in id: UUID, by actor: UUID) async throws {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.invite)
            let rows = try await connection.query(
                """
                UPDATE group_invites SET revoked_at = COALESCE(revoked_at, now())
                WHERE id = \(inviteID) AND conversation_id = \(id) RETURNING id
                """,
                logger: logger
            )
            guard try await rows.decode(UUID.self).first(where: { _ in true }) != nil else { throw APIError.notFound("Invite link not found") }
        }
    }

    /// A link that works, and its group; 404 `invite_invalid` otherwise.
    private static func usableInvite(_ token: String, on connection: PostgresConnection, logger: Logger, lock: Bool) async throws -> GroupInvite {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.inviteColumns) FROM group_invites i
            WHERE i.token = \(token) AND i.revoked_at IS NULL AND i.expires_at > now() AND (i.max_uses IS NULL OR i.uses < i.max_uses)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        guard let invite = try await rows.decode((UUID, UUID, String, UUID?, Date, Date, Int32?, Int32, Date?).self).first(where: { _ in true })
        else {
            throw APIError(.inviteInvalid, "This invite link is unknown, expired, revoked or used up")
        }
        return Self.invite(invite)
    }

    /// What the link leads to, for the page to ask before joining.
    func preview(_ token: String, for user: UUID) async throws -> InvitePreview {
        try await self.database.withConnection { connection in
            let logger = self.database.logger
            let invite = try await Self.usableInvite(token, on: connection, logger: logger, lock: false)
            let rows = try await connection.query(
                """
                SELECT c.title, (SELECT count(*) FROM conversation_members m WHERE m.conversation_id = c.id),
                       EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = \(user))
                FROM conversations c WHERE c.id = \(invite.conversationId)
                """,
                logger: logger
            )
            guard let (title, count, isMember) = try await rows.decode((String?, Int64, Bool).self).first(where: { _ in true }) else {
                throw APIError(.inviteInvalid, "This invite link is unknown, expired, revoked or used up")
            }
            return InvitePreview(
                conversationId: invite.conversationId,
                title: title,
                memberCount: Int(count),
                expiresAt: invite.expiresAt,
                isMember: isMember
            )
        }
    }

    /// The user joins by the link (one use of it); nil when they are in the group already.
    func join(_ token: String, user: User) async throws -> (conversationID: UUID, change: GroupChange?) {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            // The link's group first, then the link under the group's lock: the order every
            // change to a group takes.
            let found = try await Self.usableInvite(token, on: connection, logger: logger, lock: false)
            let group = try await Self.lock(found.conversationId, on: connection, logger: logger)
            try group.requireOpenGroup()
            let invite = try await Self.usableInvite(token, on: connection, logger: logger, lock: true)
            guard group.role(of: user.id) == nil else { return (group.id, nil) }
            try self.checkRoom(group, for: 1)
            try await connection.query("UPDATE group_invites SET uses = uses + 1 WHERE id = \(invite.id)", logger: logger)
            try await Self.insertMembers([user.id], into: group, on: connection, logger: logger)
            let (message, audience) = try await Self.announce("\(user.name) joined with an invite link", in: group.id, on: connection, logger: logger)
            return (group.id, GroupChange(conversationID: group.id, message: message, audience: audience, members: audience, joined: [user.id]))
        }
    }
}
