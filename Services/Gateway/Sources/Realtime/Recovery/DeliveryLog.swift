import Foundation
import NIOCore

/// The latest messages a conversation room delivered, each with the offset it went out
/// with: what tells, from the last offset a client saw, which of them it got. Bounded;
/// the newest entry that fell off is kept as a mark.
struct DeliveryLog: Sendable {
    static let capacity = 128

    private var entries = CircularBuffer<RoomPosition.Delivery>(initialCapacity: 8)
    private var dropped: RoomPosition.Delivery?

    mutating func record(offset: Int64, seq: Int64) {
        if self.entries.count == Self.capacity { self.dropped = self.entries.removeFirst() }
        self.entries.append(RoomPosition.Delivery(offset: offset, seq: seq))
    }

    /// A socket's place in the room, as recovery needs it once the socket is gone: only
    /// what is newer than `floor` matters.
    func position(conversation: UUID, floor: Int64) -> RoomPosition {
        RoomPosition(
            conversation: conversation,
            floor: floor,
            deliveries: self.entries.filter { $0.seq > floor },
            dropped: self.dropped.flatMap { $0.seq > floor ? $0 : nil }
        )
    }
}
