import Foundation
import Histogram

/// Percentiles of one latency, in milliseconds.
public struct LatencySummary: Codable, Sendable {
    public var count: UInt64
    public var p50, p90, p99, p999, max: Double

    init(_ histogram: LatencyHistogram) {
        func ms(_ microseconds: UInt64) -> Double { (Double(microseconds) / 10).rounded() / 100 }
        self.count = histogram.totalCount
        self.p50 = ms(histogram.valueAtPercentile(50))
        self.p90 = ms(histogram.valueAtPercentile(90))
        self.p99 = ms(histogram.valueAtPercentile(99))
        self.p999 = ms(histogram.valueAtPercentile(99.9))
        self.max = ms(histogram.max)
    }
}

/// The outcome of a run, for people (`text`) and machines (JSON).
public struct LoadReport: Codable, Sendable {
    public var scenario: String
    public var parameters: [String: String]
    public var seconds: Double
    public var counts: LoadCounts
    /// Deliveries owed: each acked message times the members of its room.
    public var expected: Int
    public var lost: Int
    public var lossPercent: Double
    public var connectsPerSecond: Double
    public var sentPerSecond: Double
    public var deliveredPerSecond: Double
    /// From the first send to the last delivery (at least the sending time).
    public var deliverySeconds: Double
    public var handshake: LatencySummary
    public var ack: LatencySummary
    public var delivery: LatencySummary
    public var errors: [String: Int]

    /// `deliverySeconds`: from the first send to the last delivery, or the sending time if longer.
    public init(
        scenario: String,
        parameters: [String: String],
        totals: LoadFigures,
        connectSeconds: Double,
        sendSeconds: Double,
        deliverySeconds: Double? = nil,
        expected: Int,
        lost: Int
    ) {
        self.scenario = scenario
        self.parameters = parameters
        self.seconds = sendSeconds
        self.counts = totals.counts
        self.expected = expected
        self.lost = lost
        self.lossPercent = expected > 0 ? Double(lost) * 100 / Double(expected) : 0
        self.connectsPerSecond = connectSeconds > 0 ? Double(totals.counts.connected) / connectSeconds : 0
        self.sentPerSecond = sendSeconds > 0 ? Double(totals.counts.sent) / sendSeconds : 0
        let deliverySeconds = deliverySeconds ?? sendSeconds
        self.deliverySeconds = deliverySeconds
        self.deliveredPerSecond = deliverySeconds > 0 ? Double(totals.counts.delivered) / deliverySeconds : 0
        self.handshake = LatencySummary(totals.handshake)
        self.ack = LatencySummary(totals.ack)
        self.delivery = LatencySummary(totals.delivery)
        self.errors = totals.errors
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public var text: String {
        func latency(_ name: String, _ summary: LatencySummary) -> String {
            guard summary.count > 0 else { return "" }
            return String(
                format: "%@ ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%llu)\n",
                name,
                summary.p50,
                summary.p90,
                summary.p99,
                summary.p999,
                summary.max,
                summary.count
            )
        }
        let c = self.counts
        var text = "\(self.scenario): " + self.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
        text += String(
            format: "connections: %d made, %d failed, %d dropped (%.0f/s)\n",
            c.connected,
            c.connectFailed,
            c.dropped,
            self.connectsPerSecond
        )
        if c.sent > 0 {
            text += String(
                format: "messages: %d sent, %d acked, %d refused, %d unanswered over %.1f s (%.0f/s)\n",
                c.sent,
                c.acked,
                c.ackErrors,
                c.sent - c.acked - c.ackErrors,
                self.seconds,
                self.sentPerSecond
            )
            text += String(
                format: "deliveries: %d of %d owed, %d lost (%.3f%%), %d duplicated (%.0f/s over %.1f s)\n",
                c.delivered,
                self.expected,
                self.lost,
                self.lossPercent,
                c.duplicated,
                self.deliveredPerSecond,
                self.deliverySeconds
            )
        }
        text += latency("handshake", self.handshake) + latency("ack      ", self.ack) + latency("delivery ", self.delivery)
        for (error, count) in self.errors.sorted(by: { $0.value > $1.value }).prefix(5) {
            text += "error ×\(count): \(error)\n"
        }
        return text
    }
}
