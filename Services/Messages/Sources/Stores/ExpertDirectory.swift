import ChatModels
import Foundation
import PostgresNIO

/// What a student asks the experts directory.
struct DirectoryQuery: Sendable {
    /// Words every match holds somewhere in its name, headline or subjects, as typed; case
    /// and accents are folded in Postgres, as the index is.
    var terms: [String]
    var onlineOnly: Bool
    var limit: Int
    var cursor: DirectoryCursor?

    static let maxTerms = 4
    static let maxLength = 100

    /// Whether a word is long enough for the trigram index to find its matches.
    var narrowsByTrigram: Bool {
        self.terms.contains { $0.count >= 3 }
    }

    /// The words of `q`: at most `maxTerms`, the rest ignored.
    static func terms(_ q: String?) -> [String] {
        (q ?? "").split(whereSeparator: { $0.isWhitespace }).prefix(Self.maxTerms).map(String.init)
    }
}

/// Where the next page starts. Online experts come first, then the rest, each part by
/// folded name then id: a total order, so pages neither skip nor repeat anyone whose
/// status holds still.
struct DirectoryCursor: Sendable, Equatable {
    var online: Bool
    var foldedName: String
    var id: UUID

    /// `1|id|name` (the name last: it may hold a `|`), opaque.
    var text: String {
        OpaqueCursor.encode("\(self.online ? "1" : "0")|\(self.id.uuidString)|\(self.foldedName)")
    }

    init(online: Bool, foldedName: String, id: UUID) {
        self.online = online
        self.foldedName = foldedName
        self.id = id
    }

    init?(text: String) {
        guard let raw = OpaqueCursor.decode(text, maxBytes: 600) else { return nil }
        let parts = raw.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "1" || parts[0] == "0", let id = UUID(uuidString: String(parts[1])),
            !parts[2].utf8.contains(0)
        else { return nil }
        self.init(online: parts[0] == "1", foldedName: String(parts[2]), id: id)
    }
}

/// The experts directory: a trigram index over each expert's folded name, headline and
/// subjects (`profile_text`, stored) finds a part of any of them; a b-tree over the folded
/// name (`folded_name`) orders and pages.
struct ExpertDirectory: Sendable {
    let database: Database
    /// Lists only the experts an admin has verified (`EXPERT_DIRECTORY=verified`).
    var verifiedOnly = false

    /// Before every expert of a part: no folded name is less than "", no id less than zero.
    static let startOfPart = (foldedName: "", id: UUID(uuidString: "00000000-0000-0000-0000-000000000000")!)

    /// A page of experts and where the next starts. `online` is who is online now, or nil
    /// when presence cannot say: then nobody comes first and nobody is flagged.
    func page(_ query: DirectoryQuery, online: Set<UUID>?) async throws -> (experts: [User], next: DirectoryCursor?) {
        let onlineIDs = Array(online ?? [])
        var experts: [User] = []
        if query.cursor?.online ?? true, !onlineIDs.isEmpty {
            let (found, last) = try await self.part(query, online: true, ids: onlineIDs, after: query.cursor, limit: query.limit)
            if let last { return (found, DirectoryCursor(online: true, foldedName: last.foldedName, id: last.id)) }
            experts = found
        }
        guard !query.onlineOnly else { return (experts, nil) }
        let remaining = query.limit - experts.count
        let after = query.cursor?.online == false ? query.cursor : nil
        let (found, last) = try await self.part(query, online: false, ids: onlineIDs, after: after, limit: remaining)
        let flagged =
            online == nil
            ? found.map {
                var user = $0
                user.online = nil
                return user
            } : found
        return (experts + flagged, last.map { DirectoryCursor(online: false, foldedName: $0.foldedName, id: $0.id) })
    }

    /// Up to `limit` experts of one part (online or not), and the key the next page starts
    /// after if more follow: the last one's, or with `limit` 0 the part's very start.
    private func part(
        _ query: DirectoryQuery,
        online: Bool,
        ids: [UUID],
        after cursor: DirectoryCursor?,
        limit: Int
    ) async throws -> ([User], (foldedName: String, id: UUID)?) {
        let patterns = (0..<DirectoryQuery.maxTerms).map { index in
            index < query.terms.count ? "%" + MessageSearch.escapeLike(query.terms[index]) + "%" : nil
        }
        return try await self.database.withReadConnection { connection in
            // Constants the planner folds: an absent term's test and the other part's
            // condition drop out, and what is left can use the indexes. A word of three
            // letters or more is looked up in the trigram index first and what it finds
            // sorted: walking the name order instead, as the planner would for a word it
            // thinks common, filters past every name before the matches when they cluster
            // ("soren": 75 ms against 8 at 100,000 experts). Shorter words have no trigram,
            // and walk the name order.
            let rows = try await connection.query(
                """
                WITH found AS \(unescaped: query.narrowsByTrigram ? "MATERIALIZED" : "NOT MATERIALIZED") (
                SELECT \(unescaped: UserStore.columns), u.folded_name
                FROM users u
                WHERE u.role = 'expert' AND (NOT \(self.verifiedOnly) OR u.verified_at IS NOT NULL)
                  AND (\(patterns[0])::text IS NULL OR u.profile_text LIKE chat_fold(\(patterns[0])))
                  AND (\(patterns[1])::text IS NULL OR u.profile_text LIKE chat_fold(\(patterns[1])))
                  AND (\(patterns[2])::text IS NULL OR u.profile_text LIKE chat_fold(\(patterns[2])))
                  AND (\(patterns[3])::text IS NULL OR u.profile_text LIKE chat_fold(\(patterns[3])))
                  AND ((\(online) AND u.id = ANY(\(ids))) OR (NOT \(online) AND NOT u.id = ANY(\(ids))))
                  AND (\(cursor == nil) OR (u.folded_name, u.id) > (\(cursor?.foldedName ?? ""), \(cursor?.id ?? UUID())))
                )
                SELECT * FROM found ORDER BY folded_name, id LIMIT \(limit + 1)
                """,
                logger: self.database.logger
            )
            var experts: [User] = []
            var keys: [(foldedName: String, id: UUID)] = []
            for try await row in rows.decode((UUID, String, String, String, String?, String?, [String], Bool, String).self) {
                var user = UserStore.user((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7))
                user.online = online
                experts.append(user)
                keys.append((row.8, row.0))
            }
            guard experts.count > limit else { return (experts, nil) }
            return (Array(experts.prefix(limit)), limit == 0 ? Self.startOfPart : keys[limit - 1])
        }
    }
}
