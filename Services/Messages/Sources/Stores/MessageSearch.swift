import ChatModels
import Foundation
import PostgresNIO
import ServiceKit

/// What to look for, and where.
struct SearchQuery: Sendable {
    var text: String
    var reader: UUID
    var conversationID: UUID?
    var senderID: UUID?
    var after: Date?
    var before: Date?
    var limit: Int
    var cursor: SearchCursor?

    /// Whether the text is one plain word, which may also be found inside longer words
    /// (trigrams); quotes, `-word` and several words are full-text search only.
    var partialWord: String? {
        let word = self.text.trimmingCharacters(in: .whitespaces)
        guard word.count >= 3, !word.contains(where: { $0.isWhitespace || $0 == "\"" }), !word.hasPrefix("-") else { return nil }
        return word
    }

    /// The text as `websearch_to_tsquery` reads it: a `-` negates only a word or a quote
    /// right after it, and is a space otherwise. A run of dashes with nothing to negate once
    /// overflowed Postgres's parser ("tsquery stack too small") and answered 500.
    var fullText: String {
        let scalars = Array(self.text.unicodeScalars)
        var text = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            guard scalar == "-" else {
                text.append(scalar)
                continue
            }
            let next = index + 1 < scalars.count ? scalars[index + 1] : " "
            text.append(next == "\"" || next.properties.isAlphabetic || next.properties.numericType != nil ? scalar : " ")
        }
        return String(text)
    }
}

/// Where the next page starts: after this rank, time and id (the results' order).
struct SearchCursor: Sendable, Equatable {
    var rank: Float
    var createdMicros: Int64
    var id: UUID

    /// Opaque to clients: `rank bits.micros.id`, base64url.
    var text: String {
        OpaqueCursor.encode("\(self.rank.bitPattern).\(self.createdMicros).\(self.id.uuidString)")
    }

    init(rank: Float, createdMicros: Int64, id: UUID) {
        self.rank = rank
        self.createdMicros = createdMicros
        self.id = id
    }

    init?(text: String) {
        guard let raw = OpaqueCursor.decode(text) else { return nil }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bits = UInt32(parts[0]), let micros = Int64(parts[1]), let id = UUID(uuidString: String(parts[2])) else {
            return nil
        }
        self.init(rank: Float(bitPattern: bits), createdMicros: micros, id: id)
    }
}

/// Full-text search over the reader's conversations: a stored `tsvector` (configuration
/// `chat_search`, English stems with accents folded) matched with `websearch_to_tsquery`, so
/// quotes and `-word` work; a single word is also found inside longer ones through a trigram
/// index. Deleted, SYSTEM and CALL messages are never found.
struct MessageSearch: Sendable {
    let database: Database

    /// Marks `ts_headline` puts around matches: private-use characters no text should hold.
    static let startMark = "\u{E000}"
    static let stopMark = "\u{E001}"

    func search(_ query: SearchQuery) async throws -> SearchPage {
        try await self.database.withReadConnection { connection in
            do {
                return try await self.find(query, on: connection)
            } catch let error as PSQLError where error.serverInfo?[.message]?.hasPrefix("tsquery") == true {
                // What the parser still cannot take is the query's fault, not the service's.
                throw APIError.validation("'q' is too complex: fewer operators, please", field: "q")
            }
        }
    }

    private func find(_ query: SearchQuery, on connection: PostgresConnection) async throws -> SearchPage {
        let logger = self.database.logger
        let text = query.fullText
        let pattern = query.partialWord.map { "%" + Self.escapeLike($0) + "%" }
        let cursor = query.cursor
        // The query's terms stay in a subquery the planner pulls up, not a CTE: it must see
        // them to judge how many rows match (a CTE hid them, and a common word was looked
        // up in the whole table: 900 ms instead of 90 on a million messages). The page is
        // chosen first, and headlines made for its rows alone.
        let rows = try await connection.query(
            """
            WITH hits AS (
                SELECT m.*, (CASE WHEN m.search @@ q.ts THEN ts_rank_cd(m.search, q.ts) ELSE 0 END)::float4 AS rank,
                       (EXTRACT(EPOCH FROM m.created_at) * 1000000)::int8 AS micros
                FROM messages m
                JOIN conversation_readers r ON r.conversation_id = m.conversation_id AND r.user_id = \(query.reader)
                    AND m.seq > r.joined_seq AND m.seq <= COALESCE(r.left_seq, m.seq),
                    (SELECT websearch_to_tsquery('chat_search', \(text)) AS ts, chat_fold(\(pattern)) AS pattern) q
                WHERE true
                  AND (m.search @@ q.ts OR chat_fold(m.content) LIKE q.pattern)
                  AND m.deleted_at IS NULL AND m.message_type NOT IN ('SYSTEM', 'CALL')
                  AND (\(query.conversationID)::uuid IS NULL OR m.conversation_id = \(query.conversationID))
                  AND (\(query.senderID)::uuid IS NULL OR m.sender_id = \(query.senderID))
                  AND (\(query.after)::timestamptz IS NULL OR m.created_at >= \(query.after))
                  AND (\(query.before)::timestamptz IS NULL OR m.created_at < \(query.before))
            ), page AS (
                SELECT * FROM hits
                WHERE \(cursor == nil) OR (rank, micros, id) < (\(cursor?.rank ?? 0), \(cursor?.createdMicros ?? 0), \(cursor?.id ?? UUID()))
                ORDER BY rank DESC, micros DESC, id DESC
                LIMIT \(query.limit + 1)
            )
            SELECT \(unescaped: MessageRows.columns), m.rank, m.micros,
                   ts_headline('chat_search', m.content, websearch_to_tsquery('chat_search', \(text)),
                       'StartSel=\(unescaped: Self.startMark), StopSel=\(unescaped: Self.stopMark), MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "')
            FROM page m
            ORDER BY m.rank DESC, m.micros DESC, m.id DESC
            """,
            logger: logger
        )
        var messages: [Message] = []
        var extras: [(rank: Float, micros: Int64, headline: String)] = []
        for try await row in rows.decode(
            (UUID, UUID, Int64, UUID?, String, String, String?, Date, Int64, Int64, Date?, Date?, UUID?, String?, Float, Int64, String).self
        ) {
            messages.append(
                MessageRows.message((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13))
            )
            extras.append((row.14, row.15, row.16))
        }
        let more = messages.count > query.limit
        if more {
            messages.removeLast()
            extras.removeLast()
        }
        let detailed = try await MessageRows.withDetails(messages, for: query.reader, on: connection, logger: logger)
        let hits = zip(detailed, extras).map { message, extra in
            SearchHit(
                message: message,
                snippet: Self.snippet(extra.headline, content: message.content, word: query.partialWord),
                rank: Double(extra.rank)
            )
        }
        let next =
            more
            ? messages.last.map {
                SearchCursor(rank: extras[extras.count - 1].rank, createdMicros: extras[extras.count - 1].micros, id: $0.id).text
            } : nil
        return SearchPage(results: hits, nextCursor: next)
    }

    /// `LIKE` takes `%`, `_` and `\` as its own: a word holding them means them.
    static func escapeLike(_ word: String) -> String {
        var escaped = ""
        for character in word {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The headline's marked passages as parts; when full-text search marked nothing (the
    /// word was found inside a longer one), the passage around the word's first occurrence,
    /// with its occurrences marked here.
    static func snippet(_ headline: String, content: String, word: String?) -> [SnippetPart] {
        var parts: [SnippetPart] = []
        var rest = Substring(headline)
        while let start = rest.range(of: Self.startMark) {
            if start.lowerBound > rest.startIndex { parts.append(SnippetPart(text: String(rest[..<start.lowerBound]), match: false)) }
            rest = rest[start.upperBound...]
            let stop = rest.range(of: Self.stopMark)?.lowerBound ?? rest.endIndex
            parts.append(SnippetPart(text: String(rest[..<stop]), match: true))
            rest = stop < rest.endIndex ? rest[rest.index(after: stop)...] : rest[rest.endIndex...]
        }
        if !rest.isEmpty { parts.append(SnippetPart(text: String(rest), match: false)) }
        guard let word, !parts.contains(where: \.match) else { return Self.merged(parts) }

        var marked: [SnippetPart] = []
        var text = Substring(content)
        if let first = content.range(of: word, options: [.caseInsensitive, .diacriticInsensitive]) {
            let start = content.index(first.lowerBound, offsetBy: -60, limitedBy: content.startIndex) ?? content.startIndex
            let end = content.index(first.upperBound, offsetBy: 100, limitedBy: content.endIndex) ?? content.endIndex
            text = content[start..<end]
            if start > content.startIndex { marked.append(SnippetPart(text: "… ", match: false)) }
        }
        while let found = text.range(of: word, options: [.caseInsensitive, .diacriticInsensitive]) {
            if found.lowerBound > text.startIndex { marked.append(SnippetPart(text: String(text[..<found.lowerBound]), match: false)) }
            marked.append(SnippetPart(text: String(text[found]), match: true))
            text = text[found.upperBound...]
        }
        if !text.isEmpty { marked.append(SnippetPart(text: String(text), match: false)) }
        if text.endIndex < content.endIndex { marked.append(SnippetPart(text: " …", match: false)) }
        return Self.merged(marked)
    }

    /// Neighbouring parts of one kind as one.
    private static func merged(_ parts: [SnippetPart]) -> [SnippetPart] {
        parts.reduce(into: []) { merged, part in
            if let last = merged.last, last.match == part.match {
                merged[merged.count - 1].text += part.text
            } else if !part.text.isEmpty {
                merged.append(part)
            }
        }
    }
}
