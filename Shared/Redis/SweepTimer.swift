import NIOCore

/// One timer for many deadlines. A timer per request costs a schedule and a cancel, and
/// NIO finds a cancelled timer by searching its whole timer heap (in a gateway, a ping
/// timer per socket). Instead the owner keeps its requests' deadlines, asks for a sweep by
/// each new one, and in the sweep fails what expired and asks again for the earliest left:
/// with one timeout for everything, that is about one timer per timeout period.
public struct SweepTimer: Sendable {
    private var scheduledFor: NIODeadline?

    public init() {}

    /// Makes sure `sweep` runs by `deadline`: schedules it unless a sweep is already due by then.
    public mutating func ensureSweep(by deadline: NIODeadline, on eventLoop: any EventLoop, _ sweep: @escaping @Sendable (NIODeadline) -> Void) {
        if let scheduledFor = self.scheduledFor, scheduledFor <= deadline { return }
        self.scheduledFor = deadline
        eventLoop.scheduleTask(deadline: deadline) { sweep(deadline) }
    }

    /// Called by the sweep scheduled for `deadline` before it asks for the next one. A
    /// sweep overtaken by an earlier one still runs, harmlessly, but leaves the timer be.
    public mutating func swept(_ deadline: NIODeadline) {
        if self.scheduledFor == deadline { self.scheduledFor = nil }
    }
}
