import NIOCore

/// An allowance: `burst` at once, refilled at `perSecond` (a connection's events, a
/// user's requests).
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
        self.refill(now: now)
        guard self.tokens >= 1 else { return false }
        self.tokens -= 1
        return true
    }

    /// Whole seconds until a token is there (at least 1), for `Retry-After`.
    func secondsUntilNext() -> Int {
        max(1, Int(((1 - self.tokens) / self.perSecond).rounded(.up)))
    }

    /// Full again: as if unused since `last`.
    func isFull(now: NIODeadline) -> Bool {
        self.tokens + Double((now - self.last).nanoseconds) / 1e9 * self.perSecond >= self.burst
    }

    private mutating func refill(now: NIODeadline) {
        let elapsed = Double((now - self.last).nanoseconds) / 1e9
        self.last = now
        self.tokens = min(self.burst, self.tokens + elapsed * self.perSecond)
    }
}
