import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import ServiceKit

/// Tells the users concerned: a status change goes to the user's contacts and their own
/// other devices (on whichever gateway) and to whoever watches them (their status
/// channel), typing to the conversation but the typist.
struct PresenceAnnouncer: Sendable {
    let bus: ChatBus
    let contacts: ContactsClient
    let logger: Logger

    func announce(_ change: StatusChange, of user: UUID) async throws {
        let event: UserPresence
        switch change {
        case .online: event = UserPresence(userId: user, status: .online)
        case .offline(let lastSeen): event = UserPresence(userId: user, status: .offline, lastSeenAt: lastSeen)
        case .none: return
        }
        let audience = try await self.contacts.contacts(of: user) + [user]
        let told = BusEnvelope(event: ServerEvent.userStatusChanged, audience: audience, data: try ChatJSON.buffer(event))
        // On the status channel the audience is who is passed by: the contacts (they heard it
        // on the users channel) and those with a block between them, who must not hear it.
        var watched = told
        watched.audience += try await self.contacts.blocked(of: user)
        try await self.bus.publish([(told, [BusChannel.users]), (watched, [BusChannel.status(user)])])
    }

    /// To the conversation but the typist, and those with a block between them and the typist.
    func typing(_ isTyping: Bool, user: UUID, conversation: UUID) async throws {
        try await self.bus.publish(
            BusEnvelope(
                event: ServerEvent.userTyping,
                skipUser: user,
                // While messages is away, typing still flows (to the conversation only).
                audience: (try? await self.contacts.blocked(of: user)) ?? [],
                data: try ChatJSON.buffer(UserTyping(conversationId: conversation, userId: user, isTyping: isTyping))
            ),
            to: [BusChannel.conversation(conversation)]
        )
    }
}
