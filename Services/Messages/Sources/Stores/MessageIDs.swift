import Foundation
import JSONKit

/// Message ids, which place a message in `messages`' partitions: the table is split by id
/// range, a month a partition (migration 22), so ids are time-ordered (UUIDv7).
enum MessageIDs {
    static func new() -> UUID { UUID.timeOrdered() }

    /// The id a message is stored under, for an id a client kept from before the partitions:
    /// those (random, version 4) ids lost their first byte in migration 22, which moved every
    /// one of them below the earliest time-ordered id, into the legacy partition. Ids of
    /// any other version are taken as they are.
    static func stored(_ id: UUID) -> UUID {
        var bytes = id.uuid
        guard bytes.6 >> 4 == 4 else { return id }
        bytes.0 = 0
        return UUID(uuid: bytes)
    }
}
