import ChatModels
import Foundation
import PostgresNIO

/// Who blocked whom. A block is between two people: neither opens a conversation with the
/// other, their direct conversation takes no more messages, and no status or typing flows
/// between them; in a group the blocker's page hides the other's messages.
struct BlockStore: Sendable {
    let database: Database

    /// Blocks `blocked` for `blocker`, and marks the blocker in their direct conversation
    /// (what a send reads); false when there is no such user.
    func block(_ blocked: UUID, by blocker: UUID) async throws -> Bool {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            let exists =
                try await connection.query("SELECT 1 FROM users WHERE id = \(blocked)", logger: logger)
                .decode(Int.self).first(where: { _ in true }) != nil
            guard exists else { return false }
            try await connection.query(
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES (\(blocker), \(blocked)) ON CONFLICT DO NOTHING",
                logger: logger
            )
            try await Self.mark(blocker, blocking: blocked, true, on: connection, logger: logger)
            return true
        }
    }

    func unblock(_ blocked: UUID, by blocker: UUID) async throws {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            try await connection.query("DELETE FROM blocks WHERE blocker_id = \(blocker) AND blocked_id = \(blocked)", logger: logger)
            try await Self.mark(blocker, blocking: blocked, false, on: connection, logger: logger)
        }
    }

    /// Whether `blocker`, in their direct conversation with `blocked` if there is one, blocks them.
    private static func mark(_ blocker: UUID, blocking blocked: UUID, _ blocks: Bool, on connection: PostgresConnection, logger: Logger) async throws
    {
        try await connection.query(
            """
            UPDATE conversation_members SET blocks_other = \(blocks)
            WHERE user_id = \(blocker)
              AND conversation_id = (SELECT id FROM conversations WHERE direct_key = \(ConversationStore.directKey(blocker, blocked)))
            """,
            logger: logger
        )
    }

    /// Whom `blocker` blocked, by name.
    func blocked(by blocker: UUID) async throws -> [User] {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT \(unescaped: UserStore.columns) FROM blocks b JOIN users u ON u.id = b.blocked_id
                WHERE b.blocker_id = \(blocker) ORDER BY u.name, u.id
                """,
                logger: self.database.logger
            ).decode(UserStore.Row.self).reduce(into: []) { $0.append(UserStore.user($1).seen(by: blocker)) }
        }
    }

    /// Whom `user` blocked or was blocked by, of `others` (all when nil).
    func relations(of user: UUID, among others: [UUID]? = nil) async throws -> [UUID] {
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT blocked_id FROM blocks WHERE blocker_id = \(user) AND (\(others == nil) OR blocked_id = ANY(\(others ?? [])))
                UNION
                SELECT blocker_id FROM blocks WHERE blocked_id = \(user) AND (\(others == nil) OR blocker_id = ANY(\(others ?? [])))
                """,
                logger: self.database.logger
            ).decode(UUID.self).reduce(into: []) { $0.append($1) }
        }
    }
}
