import Foundation
import JSONKit

/// How far a socket got in one conversation when it went: `floor`, the seq it had for sure
/// (its join's, or its recovery's), and the messages delivered to the room after that,
/// by offset. With the last offset the client saw, that says where to resume.
struct RoomPosition: Codable, Sendable, Equatable {
    struct Delivery: Codable, Sendable, Equatable {
        var offset: Int64
        var seq: Int64
    }

    var conversation: UUID
    var floor: Int64
    var deliveries: [Delivery]
    /// The newest delivery the room's log no longer holds, if newer than `floor`.
    var dropped: Delivery?

    /// The seq after which the client may have missed messages, given the offset of the
    /// last event it saw (`nil`: it saw none). Everything at or before that offset reached
    /// it; the first delivery after it may not have. `nil` when the log no longer reaches
    /// back that far.
    func resume(after offset: Int64?) -> Int64? {
        let seen = offset ?? .min
        if let dropped, dropped.offset > seen { return nil }
        var received = max(self.floor, self.dropped?.seq ?? .min)
        var firstMissed = Int64.max
        for delivery in self.deliveries {
            if delivery.offset <= seen {
                received = max(received, delivery.seq)
            } else {
                firstMissed = min(firstMissed, delivery.seq)
            }
        }
        // Deliveries are in seq order but for a catch-up after Redis came back; resuming
        // before the first one missed may repeat a message, never lose one.
        return min(received, firstMissed - 1)
    }
}
