import ChatModels
import EventBus
import Foundation
import JSONKit

extension MessageEvents {
    /// What a change to a group tells, in one publish so that every gateway hears it in this
    /// order: the SYSTEM message (to the room, and as a notification to those not in it,
    /// the one removed included); `conversation_left` to whoever left, whose sockets every
    /// gateway takes out of the room as it hears it; `group_updated` to those in the group
    /// now. Then presence learns whose contacts changed.
    func groupChanged(_ change: GroupChange, in conversations: ConversationStore) async {
        await self.publish {
            var batch: [(envelope: BusEnvelope, channels: [String])] = []
            if let message = change.message { batch += self.envelopes(stored: message, memberIDs: change.audience) }
            for (user, departure) in change.departed {
                let left = ConversationLeft(conversationId: change.conversationID, departure: departure)
                let data = try ChatJSON.buffer(left)
                // Told on the users channel; taken out of the room on the conversation's, in
                // order with its messages (on a Redis Cluster the two may be on different shards).
                batch.append((BusEnvelope(event: .conversationLeft, audience: [user], data: data), [BusChannel.users]))
                batch.append((BusEnvelope.leftRoom([user], data: data), [BusChannel.conversation(left.conversationId)]))
            }
            if !change.members.isEmpty {
                let updated = try await conversations.groupUpdated(change.conversationID)
                batch.append((BusEnvelope(event: .groupUpdated, audience: change.members, data: try ChatJSON.buffer(updated)), [BusChannel.users]))
            }
            try await self.bus.publish(batch)
        }
        let touched = Set(change.audience + change.joined + change.departed.map(\.user))
        if !change.joined.isEmpty || !change.departed.isEmpty { await self.contactsChanged(Array(touched)) }
    }
}
