import ChatModels
import ServiceClients
import SocketIO

/// The client events a gateway serves: each declared event's handler behind the checks its
/// declaration asks for, in one order for all of them (its allowance, its payload and its
/// bounds, who may send it), so a handler holds only what the event does.
struct ClientEventRouter: Sendable {
    typealias Handler<Payload> = @Sendable (Payload, EventCall) async throws -> Void
    private typealias Route = @Sendable (SocketIOEvent, EventCall) async throws -> Void

    private var routes: [String: Route] = [:]

    /// The names of the events it serves.
    var names: Set<String> { Set(self.routes.keys) }

    /// Who makes sure the sender may send a `member` event.
    enum MembershipCheck {
        /// The gateway, before the handler runs: for events that go down the command stream,
        /// whose consumer checks only when it stores, so strangers' events are not queued.
        case gateway
        /// The messages service, on the call the handler makes with the sender's token (a
        /// check here first would be a second call).
        case messagesCall
    }

    /// Serves `event` with `handler`; an event is served once.
    mutating func on<Payload>(
        _ event: ClientEventDeclaration<Payload>,
        membership: MembershipCheck = .gateway,
        _ handler: @escaping Handler<Payload>
    ) {
        precondition(self.routes[event.name] == nil, "\(event.name) is served twice")
        precondition(membership == .gateway || event.access == .member, "only members' events are checked by messages")
        self.routes[event.name] = { socketEvent, call in
            try call.draw(on: event.rate)
            let payload = try Payload(eventArgument: socketEvent.arguments.first)
            try payload.validate(call.context.settings.eventLimits)
            if let conversation = event.conversation, membership == .gateway {
                try await call.checkAccess(event.access, to: conversation(payload))
            }
            try await handler(payload, call)
        }
    }

    /// Handles one event; an event it does not serve is `unknown_event`.
    func handle(_ event: SocketIOEvent, _ call: EventCall) async throws {
        guard let route = self.routes[event.name] else { throw APIError(.unknownEvent, "No such event: \(event.name)") }
        try await route(event, call)
    }
}

extension ClientEventRouter {
    /// Every event `ClientEvent` declares, with its handler.
    static func chat() -> ClientEventRouter {
        var router = ClientEventRouter()
        router.on(ClientEvent.joinConversation, membership: .messagesCall, ConversationEvents.join)
        router.on(ClientEvent.leaveConversation, ConversationEvents.leave)
        router.on(ClientEvent.syncConversation, membership: .messagesCall, ConversationEvents.sync)
        router.on(ClientEvent.markRead, membership: .messagesCall, ConversationEvents.markRead)
        router.on(ClientEvent.markUnread, membership: .messagesCall, ConversationEvents.markUnread)
        router.on(ClientEvent.sendMessage, MessageEvents.send)
        router.on(ClientEvent.editMessage, MessageEvents.edit)
        router.on(ClientEvent.deleteMessage, MessageEvents.delete)
        router.on(ClientEvent.addReaction) { payload, call in try await MessageEvents.react(payload, call, adding: true) }
        router.on(ClientEvent.removeReaction) { payload, call in try await MessageEvents.react(payload, call, adding: false) }
        router.on(ClientEvent.searchMessages, SearchEvents.search)
        router.on(ClientEvent.typing, PresenceEvents.typing)
        router.on(ClientEvent.userOnline) { _, call in PresenceEvents.visibility(true, call) }
        router.on(ClientEvent.userOffline) { _, call in PresenceEvents.visibility(false, call) }
        router.on(ClientEvent.watchStatuses, PresenceEvents.watch)
        router.on(ClientEvent.callInvite, membership: .messagesCall, CallEvents.invite)
        router.on(ClientEvent.callAnswer, CallEvents.command(.answer))
        router.on(ClientEvent.callDecline, CallEvents.command(.decline))
        router.on(ClientEvent.callEnd, CallEvents.command(.end))
        router.on(ClientEvent.callResume, CallEvents.command(.resume))
        router.on(ClientEvent.callSignal, CallEvents.signal)
        router.on(ClientEvent.callMedia, CallEvents.media)
        router.on(ClientEvent.renewToken, SessionEvents.renewToken)
        return router
    }
}
