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

    /// Which of the conversation's messages the user reads: those after `after` and, for one
    /// who left it, through `through`. 404 when it does not exist, 403 when they were never in it.
    func readWindow(conversationID: UUID, userID: UUID) async throws -> ReadWindow {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT r.joined_seq, r.left_seq, r.user_id IS NOT NULL FROM conversations c
                LEFT JOIN conversation_readers r ON r.conversation_id = c.id AND r.user_id = \(userID)
                WHERE c.id = \(conversationID)
                """,
                logger: self.database.logger
            )
            for try await (joined, left, reader) in rows.decode((Int64?, Int64?, Bool).self) {
                guard reader, let joined else { throw APIError.forbidden("You are not a member of this conversation") }
                return ReadWindow(after: joined, through: left)
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

    /// Unread counts go this far: a reader with more sees "99+", and reading the list costs
    /// at most this many rows a conversation.
    static let unreadCap = 100
    /// Unread is counted among this many of the newest messages after the watermark: a
    /// member far behind on their own messages (which do not move their watermark), SYSTEM
    /// lines or deleted ones costs a bounded read too.
    static let unreadWindow = 1_000

    /// A member's unread count, for a row `member` (its `user_id` and `last_read_seq`, none
    /// for a member who left) and the row `conversation` of their conversation: of the
    /// newest `unreadWindow` messages after their watermark, those that are others', count
    /// (`MessageRows.countsAsUnread`) and are not deleted, up to `unreadCap`. Counted when
    /// read, not kept: keeping it wrote a row per recipient on every send, 85 % of the send
    /// statement's time in groups of 20 (docs/BENCHMARKS.md, "Unread counted when read").
    static func unreadCount(of member: String, in conversation: String) -> String {
        """
        CASE WHEN \(member).last_read_seq IS NULL OR \(member).last_read_seq >= \(conversation).last_seq THEN 0 ELSE (
            SELECT count(*) FROM (
                SELECT FROM (
                    SELECT x.sender_id, x.message_type, x.call, x.deleted_at FROM messages x
                    WHERE x.conversation_id = \(conversation).id AND x.seq > \(member).last_read_seq
                    ORDER BY x.seq DESC LIMIT \(Self.unreadWindow)
                ) x
                WHERE x.deleted_at IS NULL AND \(MessageRows.countsAsUnread("x")) AND x.sender_id IS DISTINCT FROM \(member).user_id
                LIMIT \(Self.unreadCap)
            ) unread
        ) END
        """
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
            // The reader's conversations: those they are in, and the groups they left,
            // which show what they read there and as they stood when they left.
            let rows = try await connection.query(
                """
                WITH mine AS (
                    SELECT m.conversation_id AS id, m.user_id, m.last_read_seq, c.updated_at AS seen_at,
                           NULL::text AS reason, NULL::timestamptz AS left_at, NULL::int8 AS left_seq
                    FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.user_id = \(userID)
                    UNION ALL
                    SELECT d.conversation_id, d.user_id, NULL, LEAST(c.updated_at, d.left_at), d.reason, d.left_at, d.left_seq
                    FROM conversation_departures d JOIN conversations c ON c.id = d.conversation_id
                    WHERE d.user_id = \(userID)
                )
                SELECT c.id, c.kind, c.title, LEAST(c.last_seq, COALESCE(mine.left_seq, c.last_seq)), c.last_change_seq, c.created_at,
                       mine.seen_at, \(unescaped: Self.unreadCount(of: "mine", in: "c")),
                       (extract(epoch FROM mine.seen_at) * 1000000)::int8 AS updated_micros,
                       c.description, c.closed_at, mine.reason, mine.left_at, c.picture_url, mine.last_read_seq
                FROM mine JOIN conversations c ON c.id = mine.id
                WHERE (\(only)::uuid IS NULL OR c.id = \(only))
                  AND (\(after?.micros)::int8 IS NULL
                       OR ((extract(epoch FROM mine.seen_at) * 1000000)::int8, c.id) < (\(after?.micros), \(after?.id)))
                ORDER BY mine.seen_at DESC, c.id DESC
                LIMIT \(limit)
                """,
                logger: logger
            )
            var conversations: [Conversation] = []
            var micros: [Int64] = []
            for try await row in rows.decode(
                (UUID, String, String?, Int64, Int64, Date, Date, Int64, Int64, String?, Date?, String?, Date?, String?, Int64?).self
            ) {
                micros.append(row.8)
                var departure: Departure?
                if let reason = row.11.flatMap(Departure.Reason.init(rawValue:)), let leftAt = row.12 {
                    departure = Departure(reason: reason, leftAt: leftAt, seq: row.3)
                }
                conversations.append(
                    Conversation(
                        id: row.0,
                        kind: ConversationKind(rawValue: row.1) ?? .group,
                        title: row.2,
                        participants: [],
                        lastMessage: nil,
                        unreadCount: Int(row.7),
                        lastSeq: row.3,
                        lastChangeSeq: row.4,
                        createdAt: row.5,
                        updatedAt: row.6,
                        description: row.9,
                        pictureUrl: row.13,
                        closedAt: row.10,
                        departure: departure,
                        lastReadSeq: row.14
                    )
                )
            }
            guard !conversations.isEmpty else { return [] }
            let ids = conversations.map(\.id)

            let lists = try await Self.memberLists(of: ids, seenBy: userID, on: connection, logger: logger)
            let lastByConversation = try await Self.lastMessages(at: conversations.map { ($0.id, $0.lastSeq) }, on: connection, logger: logger)

            return zip(conversations, micros).map { conversation, updatedMicros in
                var conversation = conversation
                let list = lists[conversation.id] ?? MemberLists()
                conversation.participants = list.participants
                conversation.lastMessage = lastByConversation[conversation.id]
                conversation.reads = list.reads.filter { $0.userId != userID }
                if conversation.kind == .group {
                    conversation.roles = list.roles
                    conversation.formerParticipants = list.former
                }
                return (conversation, updatedMicros)
            }
        }
    }

    /// A conversation's members as a reader sees them: their profiles (email only their
    /// own), how far each has read, their roles; and in a group, who was in it once.
    struct MemberLists: Sendable {
        var participants: [User] = []
        var reads: [ReadPosition] = []
        var roles: [MemberRole] = []
        var former: [User] = []
    }

    static func memberLists(
        of ids: [UUID],
        seenBy userID: UUID?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [UUID: MemberLists] {
        var lists: [UUID: MemberLists] = [:]
        let members = try await connection.query(
            """
            SELECT m.conversation_id, m.receipt_seq, \(unescaped: UserStore.columns), m.role FROM conversation_members m JOIN users u ON u.id = m.user_id
            WHERE m.conversation_id = ANY(\(ids)) ORDER BY m.joined_at, u.name
            """,
            logger: logger
        )
        for try await row in members.decode((UUID, Int64, UUID, String, String, String, String?, String?, [String], Bool, String).self) {
            let user = UserStore.user((row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9))
            lists[row.0, default: MemberLists()].participants.append(user.seen(by: userID ?? UUID()))
            lists[row.0, default: MemberLists()].reads.append(ReadPosition(userId: row.2, seq: row.1))
            lists[row.0, default: MemberLists()].roles.append(MemberRole(userId: row.2, role: GroupRole(rawValue: row.10) ?? .member))
        }
        let former = try await connection.query(
            """
            SELECT d.conversation_id, \(unescaped: UserStore.columns) FROM conversation_departures d JOIN users u ON u.id = d.user_id
            WHERE d.conversation_id = ANY(\(ids)) ORDER BY d.left_at, u.name
            """,
            logger: logger
        )
        for try await row in former.decode((UUID, UUID, String, String, String, String?, String?, [String], Bool).self) {
            let user = UserStore.user((row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8))
            lists[row.0, default: MemberLists()].former.append(user.seen(by: userID ?? UUID()))
        }
        return lists
    }

    /// What `group_updated` tells every member of a group.
    func groupUpdated(_ id: UUID) async throws -> GroupUpdated {
        try await self.database.withConnection { connection in
            let logger = self.database.logger
            let rows = try await connection.query("SELECT title, description, picture_url FROM conversations WHERE id = \(id)", logger: logger)
            guard let (title, description, pictureUrl) = try await rows.decode((String?, String?, String?).self).first(where: { _ in true }) else {
                throw APIError.notFound("Conversation not found")
            }
            let list = try await Self.memberLists(of: [id], seenBy: nil, on: connection, logger: logger)[id] ?? MemberLists()
            return GroupUpdated(
                conversationId: id,
                title: title,
                description: description,
                pictureUrl: pictureUrl,
                participants: list.participants,
                roles: list.roles,
                formerParticipants: list.former
            )
        }
    }

    /// The message at each conversation's `seq` (its newest, or the last one a former member
    /// reads), with its attachments (not its reactions). One index lookup per conversation
    /// and partition: a plain join was planned as a hash join over every partition's rows
    /// once there were a few dozen (17 ms for 50 conversations in 37 partitions,
    /// `scripts/partition_benchmark.py`); `LIMIT 1` keeps the lateral lookup from being
    /// flattened into one.
    static func lastMessages(at seqs: [(UUID, Int64)], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: Message] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: MessageRows.columns)
            FROM unnest(\(seqs.map(\.0))::uuid[], \(seqs.map(\.1))::int8[]) AS w(id, seq)
            CROSS JOIN LATERAL (SELECT * FROM messages x WHERE x.conversation_id = w.id AND x.seq = w.seq LIMIT 1) m
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
                SELECT m.conversation_id, m.user_id, c.last_seq, c.last_change_seq, \(unescaped: Self.unreadCount(of: "m", in: "c")), c.title,
                       m.last_read_seq
                FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.conversation_id = ANY(\(conversationIDs)) AND (\(user)::uuid IS NULL OR m.user_id = \(user))
                """,
                logger: logger
            )
            var updates: [(userID: UUID, update: ConversationUpdated)] = []
            for try await (conversation, member, lastSeq, lastChangeSeq, unread, title, readSeq) in rows.decode(
                (UUID, UUID, Int64, Int64, Int64, String?, Int64).self
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
                            title: title,
                            // Only a member's own read or mark-unread moves it: told to them
                            // alone, an update for every member stays one envelope per count.
                            lastReadSeq: user == nil ? nil : readSeq
                        )
                    )
                )
            }
            let seqs = Dictionary(updates.map { ($0.update.conversationId, $0.update.lastSeq) }, uniquingKeysWith: { first, _ in first })
            let last = try await Self.lastMessages(at: Array(seqs), on: connection, logger: logger)
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
        try await self.database.withConnection { connection in
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
        }
    }

    /// Moves the reader's watermarks forward to `seq` (never back, never past the last
    /// message): the unread one, and the receipt others see. Returns the receipt, whether it
    /// moved, and who the members are, for the receipt's event.
    func markRead(conversationID: UUID, userID: UUID, upTo target: ReadTarget) async throws -> (receipt: ReadReceipt, moved: Bool, members: [UUID]) {
        try await self.database.withConnection { connection in
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
            return outcome
        }
    }
}

/// The messages of a conversation a member reads: seq in (after, through].
struct ReadWindow: Sendable, Equatable {
    var after: Int64
    var through: Int64?

    static let everything = ReadWindow(after: 0, through: nil)
}

/// What a reader has read up to.
enum ReadTarget: Sendable {
    case seq(Int64)
    case message(UUID)
}
