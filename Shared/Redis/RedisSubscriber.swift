import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Redis pub/sub subscriber on a connection of its own. It remembers every channel and
/// pattern asked for and, when the connection drops (a Redis restart, a network fault),
/// reconnects with backoff and subscribes to all of them again.
///
/// Messages are handed to `onEvent` on the connection's event loop, in the order Redis
/// sent them; the handler must not block.
///
/// On a Redis Cluster (`configuration.clusterNodes`) channels are sharded
/// (`ShardedSubscriber`); patterns are not available there.
public actor RedisSubscriber: Service {
    public enum Event: Sendable {
        case message(RedisPubSubMessage)
        /// Subscribed again after a reconnect: messages published meanwhile were missed.
        case resubscribed
        case disconnected
    }

    private let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let onEvent: @Sendable (Event) -> Void
    private let keepaliveInterval: Duration

    private var channels: Set<String> = []
    private var patterns: Set<String> = []
    private var connection: (any Channel)?
    /// Subscriptions sent and not yet confirmed: a second caller asking for the same
    /// channel waits for the first one's confirmation instead of returning early.
    private var confirming: [String: EventLoopFuture<Void>] = [:]
    private let shards: ShardedSubscriber?

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        keepaliveInterval: Duration = .seconds(5),
        channels: [String] = [],
        onEvent: @escaping @Sendable (Event) -> Void
    ) {
        // Subscribed on every connection, the first included: a service listening on fixed
        // channels needs no call of its own (nor to handle its failure).
        self.channels = Set(channels)
        self.configuration = configuration
        self.eventLoop = eventLoopGroup.next()
        self.logger = logger
        self.keepaliveInterval = keepaliveInterval
        self.onEvent = onEvent
        self.shards =
            configuration.isCluster
            ? ShardedSubscriber(
                configuration: configuration,
                eventLoop: self.eventLoop,
                logger: logger,
                keepaliveInterval: keepaliveInterval,
                channels: Set(channels),
                onEvent: onEvent
            ) : nil
    }

    public var subscribedChannels: Set<String> {
        get async {
            if let shards { return await shards.channels }
            return self.channels
        }
    }

    /// Subscribes to the channels; returns once Redis confirms (or at once when offline:
    /// the subscription is made on reconnect).
    public nonisolated func subscribe(_ channels: [String]) async throws {
        if let shards { return try await shards.subscribe(channels) }
        try await self.subscribeHere(channels)
    }

    private func subscribeHere(_ channels: [String]) async throws {
        let inFlight = channels.compactMap { self.confirming[$0] }
        let added = channels.filter { self.channels.insert($0).inserted }
        if let connection = self.connection, !added.isEmpty {
            let confirmation = Self.request(.subscribe, added, on: connection, timeout: self.configuration.commandTimeout)
            for name in added { self.confirming[name] = confirmation }
            defer { for name in added where self.confirming[name] === confirmation { self.confirming[name] = nil } }
            try await confirmation.get()
        }
        for confirmation in inFlight { try await confirmation.get() }
    }

    public nonisolated func unsubscribe(_ channels: [String]) async throws {
        if let shards { return try await shards.unsubscribe(channels) }
        try await self.unsubscribeHere(channels)
    }

    private func unsubscribeHere(_ channels: [String]) async throws {
        let removed = channels.filter { self.channels.remove($0) != nil }
        try await self.send(.unsubscribe, removed)
    }

    public func psubscribe(_ patterns: [String]) async throws {
        guard self.shards == nil else { throw RedisError.protocolError("a Redis Cluster shards channels, not patterns") }
        let added = patterns.filter { self.patterns.insert($0).inserted }
        try await self.send(.psubscribe, added)
    }

    public func punsubscribe(_ patterns: [String]) async throws {
        let removed = patterns.filter { self.patterns.remove($0) != nil }
        try await self.send(.punsubscribe, removed)
    }

    /// Subscribes to or unsubscribes from `channel` so that it matches `wanted()`, which is
    /// read inside the actor: calls that race each other (a join and a leave) end in the
    /// state the last of them saw, because commands go out in the order the set changes.
    public nonisolated func reconcile(_ channel: String, wanted: @Sendable () -> Bool) async throws {
        try await self.reconcile([channel]) { _ in wanted() }
    }

    /// `reconcile` for several channels, in one request each way.
    public nonisolated func reconcile(_ channels: [String], wanted: @Sendable (String) -> Bool) async throws {
        if let shards { return try await shards.reconcile(channels, wanted: wanted) }
        try await self.reconcileHere(channels, wanted: wanted)
    }

    private func reconcileHere(_ channels: [String], wanted: @Sendable (String) -> Bool) async throws {
        let (subscribing, unsubscribing) = Self.split(channels, by: wanted)
        try await self.unsubscribeHere(unsubscribing)
        try await self.subscribeHere(subscribing)
    }

    /// The channels wanted, and the others.
    static func split(_ channels: [String], by wanted: (String) -> Bool) -> (wanted: [String], unwanted: [String]) {
        var subscribing: [String] = []
        var unsubscribing: [String] = []
        for channel in channels {
            if wanted(channel) { subscribing.append(channel) } else { unsubscribing.append(channel) }
        }
        return (subscribing, unsubscribing)
    }

    private func send(_ kind: PubSubRequest.Kind, _ names: [String]) async throws {
        guard let connection = self.connection else { return }
        try await Self.request(kind, names, on: connection, timeout: self.configuration.commandTimeout).get()
    }

    /// Writes the request at once (in the caller's isolation, so requests go out in the
    /// order they are made) and returns the confirmation to wait for.
    static func request(_ kind: PubSubRequest.Kind, _ names: [String], on channel: any Channel, timeout: Duration) -> EventLoopFuture<Void> {
        guard kind == .ping || !names.isEmpty else { return channel.eventLoop.makeSucceededVoidFuture() }
        let done = channel.eventLoop.makePromise(of: Void.self)
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { done.fail(RedisError.timeout) }
        done.futureResult.whenComplete { _ in deadline.cancel() }
        channel.writeAndFlush(PubSubRequest(kind: kind, names: names, done: done)).whenFailure { _ in
            done.fail(RedisError.connectionClosed)
        }
        return done.futureResult
    }

    public nonisolated func run() async throws {
        if let shards { return await shards.run() }
        try await self.runHere()
    }

    private func runHere() async throws {
        var backoff = Backoff()
        var everConnected = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let channel = try await self.connect()
                backoff.reset()
                self.connection = channel
                let channels = Self.request(.subscribe, Array(self.channels), on: channel, timeout: self.configuration.commandTimeout)
                let patterns = Self.request(.psubscribe, Array(self.patterns), on: channel, timeout: self.configuration.commandTimeout)
                try await channels.get()
                try await patterns.get()
                if everConnected { self.onEvent(.resubscribed) }
                everConnected = true
                self.logger.debug(
                    "redis subscriber connected",
                    metadata: ["channels": "\(self.channels.count)", "patterns": "\(self.patterns.count)"]
                )
                await Self.keepAlive(channel, interval: self.keepaliveInterval, timeout: self.configuration.commandTimeout)
            } catch {
                self.logger.warning("redis subscriber connection failed", metadata: ["error": "\(error)"])
            }
            if let channel = self.connection {
                self.connection = nil
                try? await channel.close()
                self.onEvent(.disconnected)
            }
            let delay = backoff.next()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        }
    }

    /// Pings until the connection closes or stops answering, or the service shuts down;
    /// a closed connection ends it at once, not at the next ping.
    static func keepAlive(_ channel: any Channel, interval: Duration, timeout: Duration) async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await channel.closeFuture.get() }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        guard channel.isActive, !Task.isCancelled else { return }
                        do {
                            try await Self.request(.ping, [], on: channel, timeout: timeout).get()
                        } catch {
                            return
                        }
                    }
                }
                await group.next()
                // A ping unanswered: the server is gone without a word (a partition, a
                // paused host). Closing ends the wait on `closeFuture`, which ignores
                // cancellation, and makes the caller reconnect.
                channel.close(promise: nil)
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }

    private func connect() async throws -> any Channel {
        let connection = try await RedisConnection.connectToMaster(configuration: self.configuration, eventLoop: self.eventLoop, logger: self.logger)
        let onEvent = self.onEvent
        do {
            return try await connection.becomeSubscriber { onEvent(.message($0)) }
        } catch {
            await connection.close()
            throw error
        }
    }
}
