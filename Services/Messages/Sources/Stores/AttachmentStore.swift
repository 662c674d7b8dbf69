import ChatModels
import Foundation
import PostgresNIO
import ServiceClients
import ServiceKit

/// Attachment records, for uploads: to serve a download to members, and to learn which
/// stored files nothing refers to any more.
struct AttachmentStore: Sendable {
    let database: Database

    /// The attachment, if `userID` reads its message (403 if not, 404 if there is none): a
    /// member who joined after it, or left before it, does not.
    func record(_ id: UUID, for userID: UUID) async throws -> AttachmentRecord {
        try await self.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT a.id, a.conversation_id, a.name, a.size, a.mime_type, a.sha256, a.storage_key, r.user_id
                FROM attachments a
                LEFT JOIN messages x ON x.id = a.message_id
                LEFT JOIN conversation_readers r ON r.conversation_id = a.conversation_id AND r.user_id = \(userID)
                    AND (x.seq IS NULL OR (x.seq > r.joined_seq AND x.seq <= COALESCE(r.left_seq, x.seq)))
                WHERE a.id = \(id)
                """,
                logger: self.database.logger
            )
            for try await row in rows.decode((UUID, UUID, String, Int64, String, String, String, UUID?).self) {
                guard row.7 != nil else { throw APIError.forbidden("You are not a member of this conversation") }
                return AttachmentRecord(id: row.0, conversationId: row.1, name: row.2, size: row.3, mimeType: row.4, sha256: row.5, storageKey: row.6)
            }
            throw APIError.notFound("Attachment not found")
        }
    }

    /// Which of these storage keys an attachment or a profile picture still refers to.
    func referenced(_ keys: [String]) async throws -> [String] {
        guard !keys.isEmpty else { return [] }
        return try await self.database.withConnection { connection in
            try await connection.query(
                """
                SELECT storage_key FROM attachments WHERE storage_key = ANY(\(keys))
                UNION SELECT avatar_key FROM users WHERE avatar_key = ANY(\(keys))
                UNION SELECT picture_key FROM conversations WHERE picture_key = ANY(\(keys))
                """,
                logger: self.database.logger
            ).decode(String.self).reduce(into: []) { $0.append($1) }
        }
    }
}
