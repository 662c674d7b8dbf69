import Histogram
import NIOCore

/// Latencies in microseconds, up to a minute, to three significant digits.
public typealias LatencyHistogram = Histogram<UInt64>

extension LatencyHistogram {
    public static func latencies() -> Self {
        Self(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    mutating func record(since start: UInt64, now: UInt64) {
        _ = self.record(now > start ? (now - start) / 1000 : 0)
    }
}

/// Counts of one run (or one event loop's share of it, or one second of it).
public struct LoadCounts: Sendable, Equatable, Codable {
    public var connectAttempts = 0
    public var connected = 0
    public var connectFailed = 0
    /// Connections the server closed or lost during the run (not at its end).
    public var dropped = 0
    public var sent = 0
    public var acked = 0
    public var ackErrors = 0
    public var delivered = 0
    public var duplicated = 0
    public var otherEvents = 0

    public init() {}

    public static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.connectAttempts += b.connectAttempts
        sum.connected += b.connected
        sum.connectFailed += b.connectFailed
        sum.dropped += b.dropped
        sum.sent += b.sent
        sum.acked += b.acked
        sum.ackErrors += b.ackErrors
        sum.delivered += b.delivered
        sum.duplicated += b.duplicated
        sum.otherEvents += b.otherEvents
        return sum
    }

    public static func - (a: Self, b: Self) -> Self {
        var difference = a
        difference.connectAttempts -= b.connectAttempts
        difference.connected -= b.connected
        difference.connectFailed -= b.connectFailed
        difference.dropped -= b.dropped
        difference.sent -= b.sent
        difference.acked -= b.acked
        difference.ackErrors -= b.ackErrors
        difference.delivered -= b.delivered
        difference.duplicated -= b.duplicated
        difference.otherEvents -= b.otherEvents
        return difference
    }
}

/// Everything measured: of a run, or of one event loop's share of it.
public struct LoadFigures: @unchecked Sendable {
    public var counts = LoadCounts()
    public var handshake = LatencyHistogram.latencies()
    public var ack = LatencyHistogram.latencies()
    public var delivery = LatencyHistogram.latencies()
    /// Connect errors by kind, to explain failures.
    public var errors: [String: Int] = [:]
    /// When the last delivery came (`Clock`), 0 before the first.
    public var lastDelivery: UInt64 = 0

    public init() {}

    mutating func add(_ other: LoadFigures) {
        self.counts = self.counts + other.counts
        self.handshake.add(other.handshake)
        self.ack.add(other.ack)
        self.delivery.add(other.delivery)
        self.errors.merge(other.errors, uniquingKeysWith: +)
        self.lastDelivery = max(self.lastDelivery, other.lastDelivery)
    }

    mutating func failed(_ error: any Error) {
        self.errors[String(String(describing: error).prefix(160)), default: 0] += 1
    }
}

/// One event loop's figures. Touched only on its loop, so it needs no lock: the sockets
/// of a loop count into it directly, and the run reads a copy through `eventLoop.submit`.
public final class LoopStats {
    public var figures = LoadFigures()
    public init() {}
}

/// The stats of every loop of a group, one per loop.
public final class StatsBoard: Sendable {
    private let loops: [(any EventLoop, NIOLoopBoundBox<LoopStats>)]

    public init(group: any EventLoopGroup) {
        self.loops = group.makeIterator().map { loop in (loop, NIOLoopBoundBox.makeBoxSendingValue(LoopStats(), eventLoop: loop)) }
    }

    /// The stats of the loop `loop`; call it on that loop.
    public func stats(on loop: any EventLoop) -> LoopStats {
        for (candidate, stats) in self.loops where candidate === loop { return stats.value }
        preconditionFailure("not a loop of this board's group")
    }

    /// Counts only, cheap enough for the progress line.
    public func counts() async -> LoadCounts {
        var total = LoadCounts()
        for (loop, stats) in self.loops {
            total = total + (try! await loop.submit { stats.value.figures.counts }.get())
        }
        return total
    }

    public func totals() async -> LoadFigures {
        var totals = LoadFigures()
        for (loop, stats) in self.loops {
            totals.add(try! await loop.submit { stats.value.figures }.get())
        }
        return totals
    }
}
