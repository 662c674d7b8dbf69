import ChatModels
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Each signed-in user's allowance of API requests on this gateway, so one account cannot
/// keep the services busy with sends, history reads or uploads (sockets have their own,
/// per connection). Bounded: when full, the buckets of users idle long enough to be full
/// again are dropped, which forgets nothing that matters.
final class UserAllowances: Sendable {
    private let buckets = NIOLockedValueBox<[UUID: TokenBucket]>([:])
    private let burst: Int
    private let perSecond: Int
    private let capacity: Int

    init(burst: Int, perSecond: Int, capacity: Int = 100_000) {
        self.burst = burst
        self.perSecond = perSecond
        self.capacity = capacity
    }

    /// Takes one request from the user's allowance, or says when to come back.
    func admit(_ user: UUID, now: NIODeadline = .now()) throws(APIError) {
        let retryAfter = self.buckets.withLockedValue { buckets -> Int? in
            if buckets[user] == nil, buckets.count >= self.capacity {
                buckets = buckets.filter { !$0.value.isFull(now: now) }
                if buckets.count >= self.capacity { buckets.removeAll(keepingCapacity: true) }
            }
            var bucket = buckets[user] ?? TokenBucket(burst: self.burst, perSecond: self.perSecond, now: now)
            defer { buckets[user] = bucket }
            return bucket.take(now: now) ? nil : bucket.secondsUntilNext()
        }
        if let retryAfter {
            throw .rateLimited("Too many requests: at most \(self.perSecond) a second; try again shortly", retryAfter: retryAfter)
        }
    }
}
