import NIOCore

/// A connection's allowance of events: `burst` at once, refilled at `perSecond`.
struct TokenBucket {
    let burst: Double
    let perSecond: Double
    private var tokens: Double
    private var last: NIODeadline

    init(burst: Int, perSecond: Int, now: NIODeadline = .now()) {
        self.burst = Double(burst)
        self.perSecond = Double(perSecond)
        self.tokens = Double(burst)
        self.last = now
    }

    /// Takes one token if there is one.
    mutating func take(now: NIODeadline = .now()) -> Bool {
        let elapsed = Double((now - self.last).nanoseconds) / 1e9
        self.last = now
        self.tokens = min(self.burst, self.tokens + elapsed * self.perSecond)
        guard self.tokens >= 1 else { return false }
        self.tokens -= 1
        return true
    }
}
