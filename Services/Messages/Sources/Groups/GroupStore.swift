import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// What a change to a group did, for its events: the SYSTEM message that says so (to
/// `audience`, those in the group when it was written: a removed member reads the message
/// that removes them), who joined, and who left with what they may still read.
struct GroupChange: Sendable {
    var conversationID: UUID
    var message: Message?
    var audience: [UUID]
    /// In the group after the change.
    var members: [UUID]
    var joined: [UUID] = []
    var departed: [(user: UUID, departure: Departure)] = []
}

/// Changes to groups' members, roles, title and description. Each one locks the group's
/// row first, so that changes to one group happen one after the other: two admins removing
/// each other, or an owner leaving while being demoted, each end in one state.
struct GroupStore: Sendable {
    let database: Database
    let maxMembers: Int

    /// A group as a change finds it, locked.
    struct Locked {
        var id: UUID
        var isGroup: Bool
        var isClosed: Bool
        var title: String?
        var description: String?
        var lastSeq: Int64
        /// In order of joining, the longest-standing first.
        var members: [(user: User, role: GroupRole)]

        func role(of user: UUID) -> GroupRole? {
            self.members.first { $0.user.id == user }?.role
        }

        /// The actor's role; 403 when they are not in the group.
        func requireRole(of user: UUID) throws(APIError) -> GroupRole {
            guard let role = self.role(of: user) else { throw APIError.forbidden("You are not a member of this group") }
            return role
        }

        func requireOpenGroup() throws(APIError) {
            guard self.isGroup else {
                throw APIError.validation("A direct conversation has its two people, always; start a group to talk with more")
            }
            guard !self.isClosed else { throw APIError(.groupClosed, "This group was closed: its last member left") }
        }

        func member(_ user: UUID) throws(APIError) -> (user: User, role: GroupRole) {
            guard let found = self.members.first(where: { $0.user.id == user }) else {
                throw APIError(.notMember, "That user is not a member of this group")
            }
            return found
        }
    }

    /// Runs `change` on the group, locked, in one transaction, for `actor` in their role:
    /// 404 when there is no such conversation, 403 when they are not in it, 422 for a direct
    /// conversation, 409 for a closed group.
    func change<Result: Sendable>(
        _ id: UUID,
        by actor: UUID,
        _ change: @escaping @Sendable (Locked, GroupRole, PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let group = try await Self.lock(id, on: connection, logger: logger)
            let role = try group.requireRole(of: actor)
            try group.requireOpenGroup()
            return try await change(group, role, connection, logger)
        }
    }

    /// The conversation's row locked, and its members.
    static func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Locked {
        let rows = try await connection.query(
            "SELECT kind, title, description, last_seq, closed_at FROM conversations WHERE id = \(id) FOR UPDATE",
            logger: logger
        )
        guard
            let (kind, title, description, lastSeq, closedAt) = try await rows.decode((String, String?, String?, Int64, Date?).self).first(where: {
                _ in true
            })
        else { throw APIError.notFound("Conversation not found") }
        let members = try await connection.query(
            """
            SELECT \(unescaped: UserStore.columns), m.role FROM conversation_members m JOIN users u ON u.id = m.user_id
            WHERE m.conversation_id = \(id) ORDER BY m.joined_at, m.joined_seq, u.id
            """,
            logger: logger
        ).decode((UUID, String, String, String, String?, String?, [String], Bool, String).self).reduce(into: [(user: User, role: GroupRole)]()) {
            $0.append((UserStore.user(($1.0, $1.1, $1.2, $1.3, $1.4, $1.5, $1.6, $1.7)), GroupRole(rawValue: $1.8) ?? .member))
        }
        return Locked(
            id: id,
            isGroup: kind == ConversationKind.group.rawValue,
            isClosed: closedAt != nil,
            title: title,
            description: description,
            lastSeq: lastSeq,
            members: members
        )
    }

    /// The SYSTEM message that tells the group of a change, stored in its order.
    static func announce(_ text: String, in id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (Message, audience: [UUID]) {
        let outcomes = try await MessageStore.insert(
            batch: [NewMessage(conversationID: id, senderID: nil, content: text, type: .system, clientMessageID: nil)],
            on: connection,
            logger: logger
        )
        guard case .stored(let message, let audience, _)? = outcomes.first else { throw APIError.internal }
        return (message, audience)
    }

    /// A new title or description (an empty one removes it), by the owner or an admin; nil
    /// when nothing changed.
    func edit(_ id: UUID, title: String?, description: String??, by actor: UUID) async throws -> GroupChange? {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.edit)
            let name = try group.member(actor).user.name
            let newTitle = title ?? group.title
            let newDescription = description ?? group.description
            guard newTitle != group.title || newDescription != group.description else { return nil }
            try await connection.query(
                "UPDATE conversations SET title = \(newTitle), description = \(newDescription), updated_at = now() WHERE id = \(id)",
                logger: logger
            )
            let text =
                if let newTitle, newTitle != group.title { "\(name) renamed the group to “\(newTitle)”" } else if newDescription == nil {
                    "\(name) removed the group's description"
                } else { "\(name) changed the group's description" }
            let (message, audience) = try await Self.announce(text, in: id, on: connection, logger: logger)
            return GroupChange(conversationID: id, message: message, audience: audience, members: audience)
        }
    }

    /// A new picture (nil: none) for the group, by its owner or an admin; nil when it is
    /// the one it has.
    func setPicture(_ id: UUID, storageKey: String?, url: String?, by actor: UUID) async throws -> GroupChange? {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.edit)
            let rows = try await connection.query(
                """
                UPDATE conversations SET picture_key = \(storageKey), picture_url = \(url), updated_at = now()
                WHERE id = \(id) AND picture_url IS DISTINCT FROM \(url) RETURNING id
                """,
                logger: logger
            )
            guard try await rows.decode(UUID.self).first(where: { _ in true }) != nil else { return nil }
            let name = try group.member(actor).user.name
            let text = url == nil ? "\(name) removed the group's picture" : "\(name) changed the group's picture"
            let (message, audience) = try await Self.announce(text, in: id, on: connection, logger: logger)
            return GroupChange(conversationID: id, message: message, audience: audience, members: audience)
        }
    }

    /// Adds users as members, by the owner or an admin; 409 if one is in already or the
    /// group would pass `maxMembers`. They read from the message that says they came.
    /// Who is added is contacted by the group (`policy`): a student may bring a classmate
    /// into a group that holds an expert, an expert never brings in a student; and no one
    /// adds someone with a block between them (`blocked`).
    func add(_ users: [User], to id: UUID, by actor: UUID, policy: ContactPolicy, blocked: Bool) async throws -> GroupChange {
        try await self.change(id, by: actor) { group, role, connection, logger in
            try role.check(.addMembers)
            if let already = users.first(where: { group.role(of: $0.id) != nil }) {
                throw APIError(.alreadyMember, "\(already.name) is in the group already")
            }
            let staff = group.members.map(\.user.role).filter { $0 != .student }
            let refusal = policy.refusal(creator: try group.member(actor).user.role, others: users.map(\.role) + staff)
            if blocked || refusal != nil {
                throw APIError(.contactNotAllowed, "You cannot add someone you may not write to; share an invite link instead")
            }
            try self.checkRoom(group, for: users.count)
            try await Self.insertMembers(users.map(\.id), into: group, on: connection, logger: logger)
            let names = users.map(\.name).joined(separator: ", ")
            let (message, audience) = try await Self.announce(
                "\(try group.member(actor).user.name) added \(names)",
                in: id,
                on: connection,
                logger: logger
            )
            return GroupChange(conversationID: id, message: message, audience: audience, members: audience, joined: users.map(\.id))
        }
    }

    func checkRoom(_ group: Locked, for count: Int) throws(APIError) {
        guard group.members.count + count <= self.maxMembers else {
            throw APIError(.groupFull, "A group has at most \(self.maxMembers) members")
        }
    }

    /// New members, reading from the group's next message on (one who was in it before
    /// reads from now on, not their old part).
    static func insertMembers(_ users: [UUID], into group: Locked, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM conversation_departures WHERE conversation_id = \(group.id) AND user_id = ANY(\(users))",
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO conversation_members (conversation_id, user_id, role, joined_seq, last_read_seq, receipt_seq)
            SELECT \(group.id), u, 'member', \(group.lastSeq), \(group.lastSeq), \(group.lastSeq) FROM unnest(\(users)::uuid[]) u
            """,
            logger: logger
        )
    }

    /// Removes a member, by the owner or an admin (an admin removes members only).
    func remove(_ user: UUID, from id: UUID, by actor: UUID) async throws -> GroupChange {
        try await self.change(id, by: actor) { group, role, connection, logger in
            guard user != actor else { throw APIError.validation("To leave the group, leave it") }
            if role == .member { try role.check(.remove(.member)) }
            let target = try group.member(user)
            try role.check(.remove(target.role))
            let text = "\(try group.member(actor).user.name) removed \(target.user.name)"
            return try await Self.depart(user, .removed, from: group, saying: text, on: connection, logger: logger)
        }
    }

    /// The caller leaves. An owner's group passes to its longest-standing admin, else its
    /// longest-standing member; the last one out closes it (and its invite links).
    func leave(_ id: UUID, user: UUID) async throws -> GroupChange {
        try await self.change(id, by: user) { group, _, connection, logger in
            let leaving = try group.member(user)
            var text = "\(leaving.user.name) left"
            let others = group.members.filter { $0.user.id != user }
            var heir: UUID?
            if leaving.role == .owner, let next = others.first(where: { $0.role == .admin }) ?? others.first {
                heir = next.user.id
                text += "; \(next.user.name) now owns the group"
            }
            var change = try await Self.depart(user, .left, from: group, saying: text, on: connection, logger: logger)
            if let heir {
                try await connection.query(
                    "UPDATE conversation_members SET role = 'owner' WHERE conversation_id = \(id) AND user_id = \(heir)",
                    logger: logger
                )
            }
            if others.isEmpty {
                try await connection.query("UPDATE conversations SET closed_at = now() WHERE id = \(id)", logger: logger)
                try await connection.query(
                    "UPDATE group_invites SET revoked_at = now() WHERE conversation_id = \(id) AND revoked_at IS NULL",
                    logger: logger
                )
                change.members = []
            }
            return change
        }
    }

    /// The SYSTEM message first (the one leaving reads it), then the member is a former one,
    /// reading through it.
    private static func depart(
        _ user: UUID,
        _ reason: Departure.Reason,
        from group: Locked,
        saying text: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> GroupChange {
        let (message, audience) = try await Self.announce(text, in: group.id, on: connection, logger: logger)
        let rows = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM conversation_members WHERE conversation_id = \(group.id) AND user_id = \(user) RETURNING joined_seq
            )
            INSERT INTO conversation_departures (conversation_id, user_id, joined_seq, left_seq, reason)
            SELECT \(group.id), \(user), joined_seq, \(message.seq), \(reason.rawValue) FROM gone
            ON CONFLICT (conversation_id, user_id) DO UPDATE
                SET joined_seq = excluded.joined_seq, left_seq = excluded.left_seq, left_at = now(), reason = excluded.reason
            RETURNING left_at
            """,
            logger: logger
        )
        guard let leftAt = try await rows.decode(Date.self).first(where: { _ in true }) else { throw APIError.internal }
        return GroupChange(
            conversationID: group.id,
            message: message,
            audience: audience,
            members: audience.filter { $0 != user },
            departed: [(user, Departure(reason: reason, leftAt: leftAt, seq: message.seq))]
        )
    }

    /// The owner makes a member an admin or a member again, or (`owner`) hands the group
    /// to them and stays as an admin; nil when the role is already that one.
    func setRole(_ role: GroupRole, of user: UUID, in id: UUID, by actor: UUID) async throws -> GroupChange? {
        try await self.change(id, by: actor) { group, actorRole, connection, logger in
            try actorRole.check(.setRole)
            guard user != actor else { throw APIError.validation("The owner hands the group over to someone else, and is then an admin") }
            let target = try group.member(user)
            guard target.role != role else { return nil }
            let owner = try group.member(actor).user.name
            let text: String
            switch role {
            case .owner:
                try await connection.query(
                    "UPDATE conversation_members SET role = 'admin' WHERE conversation_id = \(id) AND user_id = \(actor)",
                    logger: logger
                )
                text = "\(owner) handed the group over to \(target.user.name)"
            case .admin:
                text = "\(owner) made \(target.user.name) an admin"
            case .member:
                text = "\(owner) made \(target.user.name) a member, no longer an admin"
            }
            try await connection.query(
                "UPDATE conversation_members SET role = \(role.rawValue) WHERE conversation_id = \(id) AND user_id = \(user)",
                logger: logger
            )
            let (message, audience) = try await Self.announce(text, in: id, on: connection, logger: logger)
            return GroupChange(conversationID: id, message: message, audience: audience, members: audience)
        }
    }
}
