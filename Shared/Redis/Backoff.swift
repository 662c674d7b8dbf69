import NIOCore

/// Exponential backoff with full jitter, for reconnect loops.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var attempt = 0

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt; jitter keeps many clients from retrying in step.
    public mutating func next() -> Duration {
        let ceiling = min(self.initial * (1 << min(self.attempt, 20)), self.maximum)
        self.attempt += 1
        let ceilingNanoseconds = max(1, TimeAmount(ceiling).nanoseconds)
        return .nanoseconds(Int64.random(in: ceilingNanoseconds / 2...ceilingNanoseconds))
    }

    public mutating func reset() {
        self.attempt = 0
    }
}
