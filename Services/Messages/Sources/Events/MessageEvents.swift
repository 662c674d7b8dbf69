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

    /// `new_message` to the conversation, `notification` to every member but the sender.
    /// A conversation was made: its members' contacts changed.
    func conversationCreated(memberIDs: [UUID]) async {
        await self.publish { try await self.bus.contactsChanged(memberIDs) }
    }

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

    func envelopes(stored encoded: EncodedMessage, memberIDs: [UUID]) -> [(envelope: BusEnvelope, channels: [String])] {
        let message = encoded.message
        let id = message.id.text()
        let audience = memberIDs.filter { $0 != message.senderId }
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

    /// `messages_read` to the conversation.
    func read(_ receipt: ReadReceipt) async {
        await self.publish {
            try await self.bus.publish(
                BusEnvelope(event: ServerEvent.messagesRead, data: try ChatJSON.buffer(receipt)),
                to: [BusChannel.conversation(receipt.conversationId)]
            )
        }
    }

    private func publish(_ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            self.logger.warning("publishing an event failed", metadata: ["error": "\(error)"])
        }
    }
}
