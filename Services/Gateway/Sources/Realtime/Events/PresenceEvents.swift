import ChatModels
import EventBus

/// What a socket says about its user's presence: typing, and being seen or not.
enum PresenceEvents {
    @Sendable static func typing(_ payload: TypingPayload, _ call: EventCall) async throws {
        call.context.presence.report(.typing, call.connection, conversation: payload.conversationId, isTyping: payload.isTyping ?? true)
        call.ack(OkAck())
    }

    /// `user_online` and `user_offline`: the user shows as online or not while connected.
    static func visibility(_ visible: Bool, _ call: EventCall) {
        call.context.presence.report(.visibility, call.connection, visible: visible)
        call.ack(StatusAck(status: visible ? .online : .offline))
    }
}
