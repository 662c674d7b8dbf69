import Foundation
import JSONKit

/// What a socket leaves behind for connection-state recovery when its transport drops: its
/// ids, its rooms and how far it got in each. Kept in Redis for the recovery window, so the
/// client may come back through any gateway.
struct RecoveryRecord: Codable, Sendable, Equatable {
    var user: UUID
    /// The Socket.IO sid, given back.
    var sid: String
    /// The private id the client presents to recover.
    var pid: String
    /// The offsets' origin: offsets from another gateway's log say nothing about this one's.
    var origin: String
    var rooms: [RoomPosition]

    /// Where to resume each room, given the client's last offset; `nil` if a room's log no
    /// longer reaches back that far. An offset of another origin (a gateway the client was on
    /// before) means it saw nothing from this record's.
    func resumePoints(offset: String?) -> [(conversation: UUID, after: Int64)]? {
        let parsed = offset.flatMap(EventOffset.init)
        let seen = parsed?.origin == self.origin ? parsed?.counter : nil
        var points: [(UUID, Int64)] = []
        for room in self.rooms {
            guard let after = room.resume(after: seen) else { return nil }
            points.append((room.conversation, after))
        }
        return points
    }
}

/// The offset an event goes out with: `<origin>-<counter>`, where the counter orders every
/// message a gateway process delivers.
struct EventOffset: Equatable, Sendable {
    var origin: String
    var counter: Int64

    init(origin: String, counter: Int64) {
        self.origin = origin
        self.counter = counter
    }

    init?(_ text: String) {
        guard let dash = text.lastIndex(of: "-"), let counter = Int64(text[text.index(after: dash)...]) else { return nil }
        self.init(origin: String(text[..<dash]), counter: counter)
    }

    var text: String { "\(self.origin)-\(self.counter)" }
}
