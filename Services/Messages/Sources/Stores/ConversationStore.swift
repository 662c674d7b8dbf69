import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// A member's standing in a conversation.
struct Membership: Sendable {
    var conversationID: UUID
    var userID: UUID
    var lastReadSeq: Int64
    var lastSeq: Int64
}

/// Conversations, their members and read watermarks.
struct ConversationStore: Sendable {
    let database: Database

    /// The caller's membership; 404 when the conversation does not exist, 403 when they are not in it.
    func requireMember(conversationID: UUID, userID: UUID) async throws -> Membership {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT c.last_seq, m.last_read_seq FROM conversations c
                LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = \(userID)
                WHERE c.id = \(conversationID)
                """,
                logger: self.database.logger
            )
            for try await (lastSeq, lastReadSeq) in rows.decode((Int64, Int64?).self) {
                guard let lastReadSeq else { throw APIError.forbidden("You are not a member of this conversation") }
                return Membership(conversationID: conversationID, userID: userID, lastReadSeq: lastReadSeq, lastSeq: lastSeq)
            }
            throw APIError.notFound("Conversation not found")
        }
    }

    /// Everyone who shares a conversation with the user, but those with a block between
    /// them: whom their presence and profile concern.
    func contacts(of userID: UUID) async throws -> [UUID] {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT DISTINCT other.user_id FROM conversation_members mine
                JOIN conversation_members other ON other.conversation_id = mine.conversation_id
                WHERE mine.user_id = \(userID) AND other.user_id <> \(userID)
                  AND NOT EXISTS (
                      SELECT 1 FROM blocks b WHERE (b.blocker_id = mine.user_id AND b.blocked_id = other.user_id)
                          OR (b.blocker_id = other.user_id AND b.blocked_id = mine.user_id)
                  )
                """,
                logger: self.database.logger
            ).decode(UUID.self).reduce(into: []) { $0.append($1) }
        }
    }

    /// Creates a conversation of `creator` with `others`, with its SYSTEM welcome message.
    /// A direct conversation (one other, no title) exists once per pair: asking again,
    /// even concurrently, returns the existing one with `created == false`, and is free;
    /// a new one counts against the creator's `perHour`: past it, nothing is created (429
    /// with `Retry-After`).
    func create(creator: User, others: [User], title: String?, perHour: Int = .max) async throws -> (id: UUID, created: Bool, welcome: Message?) {
        let isDirect = others.count == 1 && title == nil
        let directKey = isDirect ? Self.directKey(creator.id, others[0].id) : nil
        let id = UUID()
        let memberIDs = [creator.id] + others.map(\.id)
        let welcome = Self.welcomeText(creator: creator, others: others, title: title)
        return try await self.database.transaction { connection in
            let logger = self.database.logger
            let inserted = try await connection.query(
                """
                INSERT INTO conversations (id, kind, title, direct_key, created_by)
                VALUES (\(id), \(isDirect ? "direct" : "group"), \(title), \(directKey), \(creator.id))
                ON CONFLICT (direct_key) DO NOTHING RETURNING id
                """,
                logger: logger
            )
            guard try await inserted.decode(UUID.self).reduce(into: 0, { count, _ in count += 1 }) == 1 else {
                // Another request made this pair's conversation first (we waited on its row until it committed).
                let rows = try await connection.query("SELECT id FROM conversations WHERE direct_key = \(directKey)", logger: logger)
                for try await existing in rows.decode(UUID.self) { return (existing, false, nil) }
                throw APIError.unavailable("The conversation could not be created, try again")
            }
            try await HourlyAllowance.check(
                .conversations,
                by: creator.id,
                perHour: perHour,
                refusal: "You started \(perHour) conversations in the last hour; try again later",
                on: connection,
                logger: logger
            )
            // A group is its creator's to run.
            try await connection.query(
                """
                INSERT INTO conversation_members (conversation_id, user_id, role)
                SELECT \(id), u, CASE WHEN \(!isDirect) AND u = \(creator.id) THEN 'owner' ELSE 'member' END FROM unnest(\(memberIDs)::uuid[]) u
                """,
                logger: logger
            )
            let outcomes = try await MessageStore.insert(
                batch: [NewMessage(conversationID: id, senderID: nil, content: welcome, type: .system, clientMessageID: nil)],
                on: connection,
                logger: logger
            )
            guard case .stored(let message, _, _)? = outcomes.first else { throw APIError.internal }
            return (id, true, message)
        }
    }

    /// Renames a group for its owner or an admin, with a SYSTEM message that says who did:
    /// the message and the members to tell, nil when the title is already this one.
    func rename(_ id: UUID, to title: String, by user: User) async throws -> (message: Message, members: [UUID])? {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                SELECT c.kind, c.title, m.role FROM conversations c
                LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = \(user.id)
                WHERE c.id = \(id) FOR UPDATE OF c
                """,
                logger: logger
            )
            guard let (kind, current, role) = try await rows.decode((String, String?, String?).self).first(where: { _ in true }) else {
                throw APIError.notFound("Conversation not found")
            }
            guard let role = role.flatMap(GroupRole.init(rawValue:)) else { throw APIError.forbidden("You are not a member of this conversation") }
            guard kind == ConversationKind.group.rawValue else { throw APIError.validation("A direct conversation has no title", field: "title") }
            guard role != .member else { throw APIError(.notGroupAdmin, "Only the group's owner and admins rename it") }
            guard title != current else { return nil }
            try await connection.query("UPDATE conversations SET title = \(title), updated_at = now() WHERE id = \(id)", logger: logger)
            let outcomes = try await MessageStore.insert(
                batch: [
                    NewMessage(
                        conversationID: id,
                        senderID: nil,
                        content: "\(user.name) renamed the group to “\(title)”",
                        type: .system,
                        clientMessageID: nil
                    )
                ],
                on: connection,
                logger: logger
            )
            guard case .stored(let message, let members, _)? = outcomes.first else { throw APIError.internal }
            return (message, members)
        }
    }

    /// The direct conversation of these two users, if there is one.
    func directConversation(between first: UUID, and second: UUID) async throws -> UUID? {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id FROM conversations WHERE direct_key = \(Self.directKey(first, second))",
                logger: self.database.logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            return nil
        }
    }

    /// What makes a pair's direct conversation one: their ids in order.
    static func directKey(_ first: UUID, _ second: UUID) -> String {
        [first, second].map { $0.uuidString.lowercased() }.sorted().joined(separator: ":")
    }

    static func welcomeText(creator: User, others: [User], title: String?) -> String {
        if let title {
            return "\(creator.name) created “\(title)” with \(others.map(\.name).joined(separator: ", ")). Welcome!"
        }
        let other = others.map(\.name).joined(separator: ", ")
        return "Welcome, \(creator.name) and \(other)! This is the start of your conversation."
    }

    /// A page of the caller's conversations, newest activity first, from `after` on; and
    /// where the next page starts, if there is one.
    func list(
        for userID: UUID,
        limit: Int,
        after: TimeCursor? = nil
    ) async throws -> (conversations: [Conversation], next: TimeCursor?) {
        let page = try await self.summaries(for: userID, only: nil, limit: limit + 1, after: after)
        guard page.count > limit, let last = page.prefix(limit).last else { return (page.map(\.conversation), nil) }
        return (page.prefix(limit).map(\.conversation), TimeCursor(micros: last.updatedMicros, id: last.conversation.id))
    }

    /// One conversation as the caller sees it.
    func conversation(_ id: UUID, for userID: UUID) async throws -> Conversation {
        guard let conversation = try await self.summaries(for: userID, only: id, limit: 1).first?.conversation else {
            throw APIError.notFound("Conversation not found")
        }
        return conversation
    }

    /// A member's unread count counted afresh, for a row `m` of `conversation_members`: the
    /// messages after their watermark that are others' (not SYSTEM, not deleted). The count
    /// is kept in `unread_count` (a send adds to it, a delete takes from it); a read or a
    /// mark-as-unread counts again, from its new watermark.
    static let unreadRecount = """
        (SELECT count(*) FROM messages x
         WHERE x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
           AND x.message_type <> 'SYSTEM' AND x.sender_id IS DISTINCT FROM m.user_id)
        """

    /// Counts the member's unread afresh. Run as a statement of its own after the row is
    /// locked: every send that added to it has then committed and is counted, and later
    /// ones wait for the lock and add theirs after.
    private static func recountUnread(conversationID: UUID, userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE conversation_members m
            SET unread_count = CASE WHEN m.last_read_seq >= c.last_seq THEN 0 ELSE \(unescaped: Self.unreadRecount) END
            FROM conversations c
            WHERE c.id = m.conversation_id AND m.conversation_id = \(conversationID) AND m.user_id = \(userID)
            """,
            logger: logger
        )
    }

    /// The conversations with what the list shows of each, and each one's time of last
    /// activity in whole microseconds (what a page's cursor compares, exactly as stored).
    private func summaries(
        for userID: UUID,
        only: UUID?,
        limit: Int,
        after: TimeCursor? = nil
    ) async throws -> [(conversation: Conversation, updatedMicros: Int64)] {
        try await self.database.withConnection { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                SELECT c.id, c.kind, c.title, c.last_seq, c.last_change_seq, c.created_at, c.updated_at, m.unread_count::int8,
                       (extract(epoch FROM c.updated_at) * 1000000)::int8 AS updated_micros
                FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.user_id = \(userID) AND (\(only)::uuid IS NULL OR c.id = \(only))
                  AND (\(after?.micros)::int8 IS NULL
                       OR ((extract(epoch FROM c.updated_at) * 1000000)::int8, c.id) < (\(after?.micros), \(after?.id)))
                ORDER BY c.updated_at DESC, c.id DESC
                LIMIT \(limit)
                """,
                logger: logger
            )
            var conversations: [Conversation] = []
            var micros: [Int64] = []
            for try await (id, kind, title, lastSeq, lastChangeSeq, createdAt, updatedAt, unread, updatedMicros) in rows.decode(
                (UUID, String, String?, Int64, Int64, Date, Date, Int64, Int64).self
            ) {
                micros.append(updatedMicros)
                conversations.append(
                    Conversation(
                        id: id,
                        kind: ConversationKind(rawValue: kind) ?? .group,
                        title: title,
                        participants: [],
                        lastMessage: nil,
                        unreadCount: Int(unread),
                        lastSeq: lastSeq,
                        lastChangeSeq: lastChangeSeq,
                        createdAt: createdAt,
                        updatedAt: updatedAt
                    )
                )
            }
            guard !conversations.isEmpty else { return [] }
            let ids = conversations.map(\.id)

            var participants: [UUID: [User]] = [:]
            var reads: [UUID: [ReadPosition]] = [:]
            let members = try await connection.query(
                """
                SELECT m.conversation_id, m.receipt_seq, \(unescaped: UserStore.columns), m.role FROM conversation_members m JOIN users u ON u.id = m.user_id
                WHERE m.conversation_id = ANY(\(ids)) ORDER BY m.joined_at, u.name
                """,
                logger: logger
            )
            var roles: [UUID: [MemberRole]] = [:]
            for try await row in members.decode((UUID, Int64, UUID, String, String, String, String?, String?, [String], Bool, String).self) {
                participants[row.0, default: []].append(UserStore.user((row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)).seen(by: userID))
                if row.2 != userID { reads[row.0, default: []].append(ReadPosition(userId: row.2, seq: row.1)) }
                roles[row.0, default: []].append(MemberRole(userId: row.2, role: GroupRole(rawValue: row.10) ?? .member))
            }

            let lastByConversation = try await Self.lastMessages(of: ids, on: connection, logger: logger)

            return zip(conversations, micros).map { conversation, updatedMicros in
                var conversation = conversation
                conversation.participants = participants[conversation.id] ?? []
                conversation.lastMessage = lastByConversation[conversation.id]
                conversation.reads = reads[conversation.id] ?? []
                if conversation.kind == .group { conversation.roles = roles[conversation.id] ?? [] }
                return (conversation, updatedMicros)
            }
        }
    }

    /// The newest message of each conversation, with its attachments (not its reactions).
    static func lastMessages(of ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: Message] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: MessageRows.columns) FROM messages m JOIN conversations c ON m.conversation_id = c.id AND m.seq = c.last_seq
            WHERE c.id = ANY(\(ids))
            """,
            logger: logger
        )
        let messages = try await MessageRows.withAttachments(try await MessageRows.messages(rows), on: connection, logger: logger)
        return Dictionary(messages.map { ($0.conversationId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each member's view of the conversations (`user`'s alone if given): what
    /// `conversation_updated` tells them.
    func updates(of conversationIDs: [UUID], for user: UUID? = nil) async throws -> [(userID: UUID, update: ConversationUpdated)] {
        guard !conversationIDs.isEmpty else { return [] }
        return try await self.database.withConnection { connection in
            let logger = self.database.logger
            let rows = try await connection.query(
                """
                SELECT m.conversation_id, m.user_id, c.last_seq, c.last_change_seq, m.unread_count::int8, c.title
                FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.conversation_id = ANY(\(conversationIDs)) AND (\(user)::uuid IS NULL OR m.user_id = \(user))
                """,
                logger: logger
            )
            var updates: [(userID: UUID, update: ConversationUpdated)] = []
            for try await (conversation, member, lastSeq, lastChangeSeq, unread, title) in rows.decode(
                (UUID, UUID, Int64, Int64, Int64, String?).self
            ) {
                updates.append(
                    (
                        member,
                        ConversationUpdated(
                            conversationId: conversation,
                            unreadCount: Int(unread),
                            lastSeq: lastSeq,
                            lastChangeSeq: lastChangeSeq,
                            lastMessage: nil,
                            title: title
                        )
                    )
                )
            }
            let last = try await Self.lastMessages(of: conversationIDs, on: connection, logger: logger)
            return updates.map { member, update in
                var update = update
                update.lastMessage = last[update.conversationId]
                return (member, update)
            }
        }
    }

    /// From the message on, the conversation is unread again for the user: their unread
    /// watermark moves back before it (never forward). Others still see it read.
    func markUnread(conversationID: UUID, userID: UUID, from messageID: UUID) async throws {
        try await self.database.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE conversation_members m SET last_read_seq = LEAST(m.last_read_seq, x.seq - 1)
                FROM messages x
                WHERE x.id = \(messageID) AND x.conversation_id = \(conversationID)
                  AND m.conversation_id = \(conversationID) AND m.user_id = \(userID)
                RETURNING m.last_read_seq
                """,
                logger: self.database.logger
            )
            guard try await rows.decode(Int64.self).reduce(0, { count, _ in count + 1 }) == 1 else {
                throw APIError.notFound("Message not found in this conversation")
            }
            try await Self.recountUnread(conversationID: conversationID, userID: userID, on: connection, logger: self.database.logger)
        }
    }

    /// Moves the reader's watermarks forward to `seq` (never back, never past the last
    /// message): the unread one, and the receipt others see. Returns the receipt, and
    /// whether it moved.
    /// Moves the user's read watermark (never back); also says whether the receipt moved and
    /// who the members are, for the receipt's event.
    func markRead(conversationID: UUID, userID: UUID, upTo target: ReadTarget) async throws -> (receipt: ReadReceipt, moved: Bool, members: [UUID]) {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let seq: Int64
            switch target {
            case .seq(let value):
                seq = value
            case .message(let messageID):
                let rows = try await connection.query(
                    "SELECT seq FROM messages WHERE id = \(messageID) AND conversation_id = \(conversationID)",
                    logger: logger
                )
                var found: Int64?
                for try await value in rows.decode(Int64.self) { found = value }
                guard let found else { throw APIError.notFound("Message not found in this conversation") }
                seq = found
            }
            let rows = try await connection.query(
                """
                WITH previous AS (
                    SELECT receipt_seq FROM conversation_members
                    WHERE conversation_id = \(conversationID) AND user_id = \(userID) FOR UPDATE
                )
                UPDATE conversation_members m
                SET last_read_seq = GREATEST(m.last_read_seq, LEAST(\(seq), c.last_seq)),
                    receipt_seq = GREATEST(m.receipt_seq, LEAST(\(seq), c.last_seq)),
                    last_read_at = CASE WHEN LEAST(\(seq), c.last_seq) > m.receipt_seq THEN now() ELSE m.last_read_at END
                FROM conversations c, previous
                WHERE c.id = m.conversation_id AND m.conversation_id = \(conversationID) AND m.user_id = \(userID)
                RETURNING m.receipt_seq, COALESCE(m.last_read_at, now()), previous.receipt_seq,
                    (SELECT array_agg(x.user_id) FROM conversation_members x WHERE x.conversation_id = \(conversationID))
                """,
                logger: logger
            )
            var outcome: (receipt: ReadReceipt, moved: Bool, members: [UUID])?
            for try await (newSeq, readAt, previous, members) in rows.decode((Int64, Date, Int64, [UUID]).self) {
                outcome = (ReadReceipt(conversationId: conversationID, userId: userID, seq: newSeq, readAt: readAt), newSeq > previous, members)
            }
            guard let outcome else { throw APIError.forbidden("You are not a member of this conversation") }
            try await Self.recountUnread(conversationID: conversationID, userID: userID, on: connection, logger: logger)
            return outcome
        }
    }
}

/// What a reader has read up to.
enum ReadTarget: Sendable {
    case seq(Int64)
    case message(UUID)
}
