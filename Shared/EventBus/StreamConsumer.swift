import Foundation
import Logging
import Redis
import ServiceConfiguration
import ServiceLifecycle

/// How a stream is consumed.
public struct StreamConsumerSettings: Sendable {
    /// This instance's name in the consumer group.
    public var consumerName: String
    /// Entries read at once.
    public var batchSize: Int
    /// How long one read waits for entries (also how soon a shutdown is noticed).
    public var blockFor: Duration
    /// Entries pending this long belong to a consumer that stopped, and are claimed.
    public var claimAfter: Duration
    /// How often to look for such entries.
    public var claimEvery: Duration
    /// How often to trim what every group has settled from the stream (`SettledTrim`).
    public var trimEvery: Duration

    public init(
        consumerName: String = Self.uniqueName(),
        batchSize: Int = Self.batchSize.defaultValue,
        blockFor: Duration = .seconds(1),
        claimAfter: Duration = Self.claimAfter.defaultValue,
        claimEvery: Duration = .seconds(1),
        trimEvery: Duration = Self.trimEvery.defaultValue
    ) {
        self.consumerName = consumerName
        self.batchSize = batchSize
        self.blockFor = blockFor
        self.claimAfter = claimAfter
        self.claimEvery = claimEvery
        self.trimEvery = trimEvery
    }

    /// A name no other instance has: host, process id and a random part.
    public static func uniqueName() -> String {
        let host = ProcessInfo.processInfo.environment["HOSTNAME"] ?? "consumer"
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6).lowercased())"
    }

    /// A new unique name each time it is read.
    public static var consumerName: Setting<String> {
        .string(
            "CONSUMER_NAME",
            default: Self.uniqueName(),
            defaultText: "host-pid-random",
            help: "this instance's name in its consumer group; unique per process"
        )
    }
    public static let batchSize = Setting.int("STREAM_BATCH", default: 128, in: 1...10_000, help: "stream entries read at once")
    public static let claimAfter = Setting.seconds(
        "STREAM_CLAIM_AFTER",
        default: .seconds(5),
        help: "entries pending this long belong to a consumer that stopped, and are claimed"
    )
    public static let trimEvery = Setting.seconds(
        "STREAM_TRIM_EVERY",
        default: .seconds(10),
        help: "how often what every consumer group has settled is trimmed from the stream"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            consumerName: try values.read(Self.consumerName),
            batchSize: try values.read(Self.batchSize),
            claimAfter: try values.read(Self.claimAfter),
            trimEvery: try values.read(Self.trimEvery)
        )
    }
}

/// One member of a Redis consumer group: reads new entries, hands them to `process`, and
/// acknowledges exactly the ids `process` says are settled; the rest are offered again
/// after a backoff, and entries left pending by a consumer that stopped are claimed after
/// `claimAfter` and processed again. Redis being
/// away is waited out with backoff; a graceful shutdown lets the batch in hand finish.
public struct StreamConsumer: Sendable {
    let redis: RedisClient
    let stream: String
    let group: String
    let settings: StreamConsumerSettings
    let logger: Logger

    /// `redis` should be a client of the consumer's own: the blocking read holds its connection.
    public init(redis: RedisClient, stream: String, group: String, settings: StreamConsumerSettings, logger: Logger) {
        self.redis = redis
        self.stream = stream
        self.group = group
        self.settings = settings
        self.logger = logger
    }

    public func run(process: @Sendable ([RedisStreamEntry]) async throws -> [String]) async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var lastClaim = ContinuousClock.now - self.settings.claimEvery
        var lastTrim = ContinuousClock.now
        var groupReady = false
        var retryPending = false
        // Settled entries are acknowledged with the next read (one round trip for both),
        // and again if that read fails: an ack that repeats changes nothing. Anything else
        // that comes first (a claim, a trim, a backoff) has them acknowledged on their own
        // before it: left pending, a claim of idle entries could take them and do them again.
        var settled: [String] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if !groupReady {
                    try await self.redis.xgroupCreate(stream: self.stream, group: self.group, startID: "0")
                    groupReady = true
                }
                let claimDue = ContinuousClock.now - lastClaim >= self.settings.claimEvery
                let trimDue = ContinuousClock.now - lastTrim >= self.settings.trimEvery
                if !settled.isEmpty && (claimDue || trimDue) {
                    try await self.redis.xack(self.stream, group: self.group, ids: settled)
                    settled = []
                }
                if claimDue {
                    lastClaim = ContinuousClock.now
                    try await self.claimAbandoned(process)
                }
                if trimDue {
                    lastTrim = ContinuousClock.now
                    let trimmed = try await SettledTrim.trim(self.stream, redis: self.redis)
                    if trimmed > 0 { self.logger.debug("trimmed settled entries", metadata: ["stream": "\(self.stream)", "count": "\(trimmed)"]) }
                }
                // Entries left unsettled (their store is down) are read back from this
                // consumer's own pending list, before anything new: a conversation keeps its
                // order, and the retry comes after a backoff rather than a claim.
                let entries = try await self.redis.xreadgroup(
                    group: self.group,
                    consumer: self.settings.consumerName,
                    stream: self.stream,
                    id: retryPending ? "0" : ">",
                    count: self.settings.batchSize,
                    block: retryPending ? nil : self.settings.blockFor,
                    acknowledging: settled
                )
                settled = []  // acknowledged by that read: nothing to send again if `process` throws
                settled = entries.isEmpty ? [] : try await process(entries)
                retryPending = settled.count < entries.count
                if retryPending {
                    try await self.redis.xack(self.stream, group: self.group, ids: settled)
                    settled = []
                    let delay = backoff.next()
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } else {
                    backoff.reset()
                }
            } catch {
                if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupReady = false }
                self.logger.warning("stream unavailable", metadata: ["stream": "\(self.stream)", "error": "\(error)"])
                let delay = backoff.next()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
        if !settled.isEmpty { _ = try? await self.redis.xack(self.stream, group: self.group, ids: settled) }
    }

    /// Takes over entries another consumer read and never acknowledged.
    private func claimAbandoned(_ process: @Sendable ([RedisStreamEntry]) async throws -> [String]) async throws {
        var start = "0-0"
        repeat {
            let (next, entries) = try await self.redis.xautoclaim(
                stream: self.stream,
                group: self.group,
                consumer: self.settings.consumerName,
                minIdle: self.settings.claimAfter,
                start: start,
                count: self.settings.batchSize
            )
            if !entries.isEmpty {
                self.logger.info("claimed abandoned entries", metadata: ["stream": "\(self.stream)", "count": "\(entries.count)"])
                try await self.redis.xack(self.stream, group: self.group, ids: try await process(entries))
            }
            start = next
        } while start != "0-0" && !Task.isShuttingDownGracefully
    }
}
