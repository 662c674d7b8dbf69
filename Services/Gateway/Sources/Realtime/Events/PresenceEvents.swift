import ChatModels
import EventBus
import ServiceClients

/// What a socket says about its user's presence (typing, being seen or not), and whose
/// presence it follows besides its contacts'.
enum PresenceEvents {
    @Sendable static func typing(_ payload: TypingPayload, _ call: EventCall) async throws {
        call.context.presence.report(.typing, call.connection, conversation: payload.conversationId, isTyping: payload.isTyping ?? true)
        call.ack(OkAck())
    }

    /// `watch_statuses`: from now on the socket hears these users' status changes (they come
    /// on each user's status channel); the ack says who of them is online, so that nothing
    /// falls between a directory page and the watch. Any signed-in user may ask, as
    /// `GET /api/presence` answers anyone.
    @Sendable static func watch(_ payload: WatchStatusesPayload, _ call: EventCall) async throws {
        let users = Array(Set(payload.userIds).subtracting([call.userID]))
        try await call.context.fanout.watch(call.connection, users: users)
        var online = await call.context.online.online(among: users) ?? []
        // Someone with a block between them and the watcher shows as offline, as presence
        // passes their changes by; while messages is away, the ack says what Redis says.
        if !online.isEmpty, let blocked = try? await call.context.messages.blockRelations(of: call.userID), !blocked.isEmpty {
            online.removeAll(where: Set(blocked).contains)
        }
        call.ack(WatchAck(online: online))
    }

    /// `user_online` and `user_offline`: the user shows as online or not while connected.
    static func visibility(_ visible: Bool, _ call: EventCall) {
        call.context.presence.report(.visibility, call.connection, visible: visible)
        call.ack(StatusAck(status: visible ? .online : .offline))
    }
}
