import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import ServiceKit

/// Announces stored changes to the gateways. A failure to publish is logged, not thrown:
/// the change is committed, and clients catch up from `seq`.
struct MessageEvents: Sendable {
    let bus: ChatBus
    let logger: Logger

    /// A conversation was made: its members' contacts changed.
    func conversationCreated(memberIDs: [UUID]) async {
        await self.publish { try await self.bus.contactsChanged(memberIDs) }
    }

    /// A block began or ended: who hears of whom changed for these users.
    func contactsChanged(_ users: [UUID]) async {
        await self.publish { try await self.bus.contactsChanged(users) }
    }

    /// `blocks_updated` to the blocker's own sockets: whom they block now.
    func blocksUpdated(of blocker: UUID, in blocks: BlockStore) async {
        await self.publish {
            let blocked = try await blocks.blocked(by: blocker).map(\.id)
            try await self.bus.publish(
                BusEnvelope(event: ServerEvent.blocksUpdated, audience: [blocker], data: try ChatJSON.buffer(BlocksUpdated(userIds: blocked))),
                to: [BusChannel.users]
            )
        }
    }

    /// `account_warned` to the user's own sockets.
    func warned(_ user: UUID, _ warning: AccountWarning) async {
        await self.publish {
            try await self.bus.publish(
                BusEnvelope(event: ServerEvent.accountWarned, audience: [user], data: try ChatJSON.buffer(warning)),
                to: [BusChannel.users]
            )
        }
    }

    /// `new_message` to the conversation, `notification` to every member but the sender.
    func stored(_ message: Message, memberIDs: [UUID]) async {
        await self.publish { try await self.bus.publish(self.envelopes(stored: message, memberIDs: memberIDs)) }
    }

    /// What `stored` publishes, for a caller that publishes it with more.
    ///
    /// The message id lets gateways deliver it once even when it is published again (a
    /// redelivered command whose first consumer died after committing). The notification
    /// is for members not looking at the conversation: sockets that joined it have the
    /// message itself.
    func envelopes(stored message: Message, memberIDs: [UUID]) -> [(envelope: BusEnvelope, channels: [String])] {
        self.envelopes(stored: EncodedMessage(message), memberIDs: memberIDs)
    }

    /// Whether the members but its sender hear of the message outside its room: every
    /// message but a call's line for a call that was answered or declined (they were there).
    static func notifies(_ message: Message) -> Bool {
        message.call.map { $0.outcome == .missed } ?? true
    }

    func envelopes(stored encoded: EncodedMessage, memberIDs: [UUID]) -> [(envelope: BusEnvelope, channels: [String])] {
        let message = encoded.message
        let id = message.id.text()
        let audience = Self.notifies(message) ? memberIDs.filter { $0 != message.senderId } : []
        return [
            (
                BusEnvelope(event: ServerEvent.newMessage, id: id, seq: message.seq, data: encoded.json),
                [BusChannel.conversation(message.conversationId)]
            ),
            (
                BusEnvelope(
                    event: ServerEvent.notification,
                    id: id,
                    seq: message.seq,
                    skipRoom: message.conversationId,
                    audience: audience,
                    data: encoded.notification
                ),
                audience.isEmpty ? [] : [BusChannel.users]
            ),
        ]
    }

    /// A change's event to the conversation.
    func changed(_ outcome: ChangeOutcome) async {
        await self.publish {
            try await self.bus.publish(outcome.event, to: [BusChannel.conversation(outcome.message.conversationId)])
        }
    }

    /// `conversation_updated` about these conversations to each member's own sockets
    /// (`user`'s alone if given), read from `store` after the change committed.
    func conversationsChanged(_ ids: [UUID], for user: UUID? = nil, in store: ConversationStore) async {
        await self.publish { try await self.bus.publish(Self.envelopes(updated: try await store.updates(of: ids, for: user))) }
    }

    /// `conversation_updated` with updates already read.
    func conversationsUpdated(_ updates: [(userID: UUID, update: ConversationUpdated)]) async {
        await self.publish { try await self.bus.publish(Self.envelopes(updated: updates)) }
    }

    /// One envelope per conversation and unread count, to the members who share it: in a
    /// group most members are caught up, so a message costs a few publishes, not one per
    /// member. No id: each carries absolute values, so a repeat is harmless.
    static func envelopes(updated updates: [(userID: UUID, update: ConversationUpdated)]) -> [(envelope: BusEnvelope, channels: [String])] {
        var audiences: [ConversationUpdated: [UUID]] = [:]
        var order: [ConversationUpdated] = []
        for (user, update) in updates {
            if audiences[update] == nil { order.append(update) }
            audiences[update, default: []].append(user)
        }
        return order.compactMap { update in
            guard let data = try? ChatJSON.buffer(update) else { return nil }
            return (BusEnvelope(event: ServerEvent.conversationUpdated, audience: audiences[update] ?? [], data: data), [BusChannel.users])
        }
    }

    /// `messages_read` to the conversation, and to the other members' sockets that have not
    /// joined it (a list open elsewhere must not show a read message as sent).
    func read(_ receipt: ReadReceipt, memberIDs: [UUID]) async {
        await self.publish {
            let data = try ChatJSON.buffer(receipt)
            let others = memberIDs.filter { $0 != receipt.userId }
            try await self.bus.publish([
                (BusEnvelope(event: .messagesRead, data: data), [BusChannel.conversation(receipt.conversationId)]),
                (
                    BusEnvelope(event: .messagesRead, skipRoom: receipt.conversationId, audience: others, data: data),
                    others.isEmpty ? [] : [BusChannel.users]
                ),
            ])
        }
    }

    /// `user_updated` with the public profile, to those who share a conversation with the
    /// user and to the user's own sockets (their other tabs and devices).
    func userUpdated(_ user: User, in conversations: ConversationStore) async {
        await self.publish {
            let audience = try await conversations.contacts(of: user.id) + [user.id]
            var profile = user.seen(by: UUID())
            profile.online = nil
            try await self.bus.publish(
                BusEnvelope(event: ServerEvent.userUpdated, audience: audience, data: try ChatJSON.buffer(profile)),
                to: [BusChannel.users]
            )
        }
    }

    func publish(_ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            self.logger.warning("publishing an event failed", metadata: ["error": "\(error)"])
        }
    }
}
