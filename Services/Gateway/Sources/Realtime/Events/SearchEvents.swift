import ChatModels
import ServiceClients

/// `search_messages`: what `GET /api/chat/search` answers, over the socket.
enum SearchEvents {
    @Sendable static func search(_ payload: SearchPayload, _ call: EventCall) async throws {
        call.ack(SearchAck(try await call.context.messages.search(payload, token: call.token)))
    }
}
