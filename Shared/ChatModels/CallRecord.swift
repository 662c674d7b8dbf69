import Foundation
import JSONKit

/// What a CALL message records of the call it stands for: presence writes one into the
/// conversation when a call ends, as its caller's.
public struct CallRecord: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable, Hashable {
        /// Nobody answered (the ringing ran out, or the caller hung up first). The one
        /// outcome that counts as unread and notifies.
        case missed
        case declined
        case answered
    }

    public var callId: UUID
    public var media: CallMedia
    public var outcome: Outcome
    /// How long an answered call ran, from the answer to its end.
    public var durationSeconds: Int?

    public init(callId: UUID, media: CallMedia, outcome: Outcome, durationSeconds: Int? = nil) {
        self.callId = callId
        self.media = media
        self.outcome = outcome
        self.durationSeconds = durationSeconds
    }

    /// The message's text, for clients that do not know CALL messages: "Missed video call",
    /// "Voice call, 4:05".
    public var summary: String {
        let kind = self.media == .video ? "video call" : "voice call"
        switch self.outcome {
        case .missed: return "Missed \(kind)"
        case .declined: return "Declined \(kind)"
        case .answered:
            let seconds = self.durationSeconds ?? 0
            let clock =
                seconds >= 3600
                ? String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String(format: "%d:%02d", seconds / 60, seconds % 60)
            return "\(kind.prefix(1).uppercased())\(kind.dropFirst()), \(clock)"
        }
    }

    /// The message's `clientMessageId`: one CALL message per call, however often its end is
    /// written.
    public var clientMessageId: String { "call:\(self.callId.text())" }
}

extension JSONObjectWriter {
    /// A `CallRecord`'s members, sorted.
    public mutating func callRecord(_ record: CallRecord) {
        self.uuid("callId", record.callId)
        self.integer("durationSeconds", record.durationSeconds.map(Int64.init))
        self.string("media", record.media.rawValue)
        self.string("outcome", record.outcome.rawValue)
    }
}

extension JSONObjectReader {
    /// A `CallRecord`, as `JSONDecoder` reads one.
    public func callRecord() throws(DecodingError) -> CallRecord {
        CallRecord(
            callId: try self.uuid("callId"),
            media: try self.enumValue("media", as: CallMedia.self),
            outcome: try self.enumValue("outcome", as: CallRecord.Outcome.self),
            durationSeconds: try self.optionalInteger("durationSeconds").map(Int.init)
        )
    }
}
