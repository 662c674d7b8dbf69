import ChatModels
import ServiceClients

/// `search_messages`: what `GET /api/chat/search` answers, over the socket.
enum SearchEvents {
    @Sendable static func search(_ payload: SearchPayload, _ call: EventCall) async throws {
        _ = try SearchRules.query(payload.q)  // refused here, not by the messages service's URL limit
        call.ack(SearchAck(try await call.context.messages.search(payload, token: call.token)))
    }
}
