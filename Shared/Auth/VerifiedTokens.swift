import Foundation
import NIOConcurrencyHelpers

/// Access tokens already verified, by their exact text, until they expire. A client
/// presents the same token on every request and every reconnect (a gateway restart brings
/// all of them back at once), and verifying one costs an HMAC and two JSON decodes through
/// the key collection's actor. Only a token that passed verification is remembered; any
/// other text is checked in full.
final class VerifiedTokens: Sendable {
    private let entries = NIOLockedValueBox<[String: VerifiedToken]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func token(for token: String, now: Date = Date()) -> VerifiedToken? {
        self.entries.withLockedValue { entries in
            guard let entry = entries[token] else { return nil }
            guard now < entry.expires else {
                entries[token] = nil
                return nil
            }
            return entry
        }
    }

    /// Bounded: when full, the expired go, and if that leaves it more than half full,
    /// everything does (so a full cache is swept once per half of its capacity, not on
    /// every new token).
    func remember(_ token: String, _ verified: VerifiedToken, now: Date = Date()) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity {
                entries = entries.filter { now < $0.value.expires }
                if entries.count > self.capacity / 2 { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = verified
        }
    }
}
