import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat

/// The events clients send, declared once: each one's name, payload, who may send it and
/// which allowances it draws on. The gateway serves exactly these (a test holds its handlers
/// to the list), and the web app's `Web/js/events.js` is held to the names.
public enum ClientEvent {
    public static let joinConversation = ClientEventDeclaration<ConversationRef>.member("join_conversation")
    public static let leaveConversation = ClientEventDeclaration<ConversationRef>.signedIn("leave_conversation")
    public static let sendMessage = ClientEventDeclaration<SendMessagePayload>.member("send_message")
    public static let editMessage = ClientEventDeclaration<EditMessagePayload>.member("edit_message")
    public static let deleteMessage = ClientEventDeclaration<MessageRef>.member("delete_message")
    public static let addReaction = ClientEventDeclaration<ReactionPayload>.member("add_reaction")
    public static let removeReaction = ClientEventDeclaration<ReactionPayload>.member("remove_reaction")
    public static let typing = ClientEventDeclaration<TypingPayload>.joined("typing")
    public static let markRead = ClientEventDeclaration<MarkReadPayload>.member("mark_read")
    public static let markUnread = ClientEventDeclaration<MarkUnreadPayload>.member("mark_unread")
    public static let syncConversation = ClientEventDeclaration<SyncPayload>.member("sync_conversation")
    /// Restricted to the caller's conversations by the search itself.
    public static let searchMessages = ClientEventDeclaration<SearchPayload>.signedIn("search_messages", rate: .costly)
    public static let userOnline = ClientEventDeclaration<NoPayload>.signedIn("user_online")
    public static let userOffline = ClientEventDeclaration<NoPayload>.signedIn("user_offline")
    /// Subscribes and unsubscribes up to 200 channels and asks Redis who is online.
    public static let watchStatuses = ClientEventDeclaration<WatchStatusesPayload>.signedIn("watch_statuses", rate: .costly)
    /// Rings every other member's devices on every gateway.
    public static let callInvite = ClientEventDeclaration<CallInvitePayload>.member("call_invite", rate: .costly)
    /// The call events that name a call are checked against the call itself (its parties
    /// and the one socket each is in it with), in presence.
    public static let callAnswer = ClientEventDeclaration<CallRef>.signedIn("call_answer")
    public static let callDecline = ClientEventDeclaration<CallRef>.signedIn("call_decline")
    public static let callEnd = ClientEventDeclaration<CallRef>.signedIn("call_end")
    /// After a reconnect: the call goes on on this socket.
    public static let callResume = ClientEventDeclaration<CallRef>.signedIn("call_resume")
    public static let callSignal = ClientEventDeclaration<CallSignal>.signedIn("call_signal")
    public static let callMedia = ClientEventDeclaration<CallMediaPayload>.signedIn("call_media")
    /// The socket takes the client's renewed access token (of the same user) and lives on
    /// until it expires.
    public static let renewToken = ClientEventDeclaration<RenewTokenPayload>.signedIn("renew_token")

    public static let all: [any AnyClientEvent] = [
        joinConversation, leaveConversation, sendMessage, editMessage, deleteMessage, addReaction, removeReaction, typing,
        markRead, markUnread, syncConversation, searchMessages, userOnline, userOffline, watchStatuses, callInvite, callAnswer,
        callDecline, callEnd, callResume, callSignal, callMedia, renewToken,
    ]
}

/// Who may send an event; the gateway checks it before the event's handler runs.
public enum EventAccess: Sendable, Hashable {
    /// Any signed-in socket.
    case signedIn
    /// A member of the conversation the payload names.
    case member
    /// A socket that joined the conversation the payload names (`join_conversation`).
    case joined
}

/// The allowances an event draws on, past which it is refused with `rate_limited`.
public enum EventRate: Sendable, Hashable {
    /// The connection's allowance of events, which every event draws on
    /// (`SOCKET_EVENTS_PER_SECOND`, `SOCKET_EVENT_BURST`).
    case standard
    /// Also a tighter allowance of its own (`SOCKET_COSTLY_EVENTS_PER_SECOND`,
    /// `SOCKET_COSTLY_EVENT_BURST`): events whose every call makes a service do as much
    /// work as a REST request, which the per-user API allowance bounds.
    case costly
}

/// An event's name, access and rate, whatever its payload.
public protocol AnyClientEvent: Sendable {
    var name: String { get }
    var access: EventAccess { get }
    var rate: EventRate { get }
}

/// One client event: what `ClientEvent` lists.
public struct ClientEventDeclaration<Payload: EventPayload>: AnyClientEvent {
    public let name: String
    public let access: EventAccess
    public let rate: EventRate
    /// The conversation the payload names, which `member` and `joined` are checked against.
    public let conversation: (@Sendable (Payload) -> UUID)?

    /// An event any signed-in socket may send.
    public static func signedIn(_ name: String, rate: EventRate = .standard) -> Self {
        Self(name: name, access: .signedIn, rate: rate, conversation: nil)
    }
}

extension ClientEventDeclaration where Payload: ConversationScoped {
    /// An event only members of the payload's conversation may send.
    public static func member(_ name: String, rate: EventRate = .standard) -> Self {
        Self(name: name, access: .member, rate: rate, conversation: { $0.conversationId })
    }

    /// An event only sockets that joined the payload's conversation may send.
    public static func joined(_ name: String, rate: EventRate = .standard) -> Self {
        Self(name: name, access: .joined, rate: rate, conversation: { $0.conversationId })
    }
}

/// What a client event carries as its first argument, read from its JSON.
public protocol EventPayload: Sendable {
    /// Reads the event's first argument (nil: the event came without one); a missing or
    /// malformed payload is a 400 naming the field.
    init(eventArgument json: ByteBuffer?) throws

    /// Refuses values out of bounds (422) before anything else is asked about the event, so
    /// nothing a store would refuse is queued and a bad value gets the same answer from
    /// anyone. Nothing to check by default.
    func validate(_ limits: EventLimits) throws(APIError)
}

extension EventPayload {
    public func validate(_ limits: EventLimits) throws(APIError) {}
}

/// The bounds payloads are checked against, as the receiving service sets them.
public struct EventLimits: Sendable {
    /// A message's most Unicode scalars.
    public var maxContentLength: Int

    public init(maxContentLength: Int) {
        self.maxContentLength = maxContentLength
    }
}

extension EventPayload where Self: Decodable {
    public init(eventArgument json: ByteBuffer?) throws {
        guard let json else { throw APIError.badRequest("The event needs a payload") }
        self = try ChatJSON.decoder().decode(Self.self, from: json)
    }
}

/// A payload that names the conversation the event is about.
public protocol ConversationScoped {
    var conversationId: UUID { get }
}

/// The payload of an event that takes none (anything sent is ignored).
public struct NoPayload: EventPayload {
    public init(eventArgument json: ByteBuffer?) {}
}
