import Auth
import ChatModels
import Foundation
import Hummingbird
import JSONKit
import ServiceClients
import ServiceKit

/// `GET /api/chat/search?q=&conversationId=&from=&after=&before=&limit=&cursor=`: the
/// caller's messages that match, best first, a page at a time.
struct SearchController: Sendable {
    let search: MessageSearch

    func register(on chat: RouterGroup<ChatRequestContext>) {
        chat.get(RouterPath(MessagesAPI.search.pattern), use: self.find)
    }

    @Sendable func find(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<SearchPage> {
        let identity = try context.requireIdentity()
        let text = try SearchRules.query(request.queryText("q"))
        let cursor = try request.queryText("cursor").map { text throws(APIError) in
            guard let cursor = SearchCursor(text: text) else { throw APIError.badRequest("'cursor' is not one this search gave") }
            return cursor
        }
        let query = SearchQuery(
            text: text,
            reader: identity.userID,
            conversationID: try Self.uuid(request, "conversationId"),
            senderID: try Self.uuid(request, "from"),
            after: try Self.date(request, "after"),
            before: try Self.date(request, "before"),
            limit: try request.queryInteger("limit", in: 1...50) ?? 20,
            cursor: cursor
        )
        return JSONResponse(try await self.search.search(query))
    }

    private static func uuid(_ request: Request, _ name: String) throws(APIError) -> UUID? {
        guard let text = request.queryText(name) else { return nil }
        guard let id = UUID(text: text) else { throw APIError.badRequest("Query parameter '\(name)' must be a UUID") }
        return id
    }

    private static func date(_ request: Request, _ name: String) throws(APIError) -> Date? {
        guard let text = request.queryText(name) else { return nil }
        guard let date = ChatJSON.parse(text) else {
            throw APIError.badRequest("Query parameter '\(name)' must be an ISO 8601 time, such as 2026-12-02T10:00:00Z")
        }
        return date
    }
}
