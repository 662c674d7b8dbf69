import Logging
import NIOCore
import ServiceLifecycle

/// `RedisSubscriber` on a Redis Cluster: sharded pub/sub (`SSUBSCRIBE`, Redis 7), each
/// channel heard on a connection to the master that owns its slot, so a channel's messages
/// cross one shard rather than the whole cluster. One connection per master with channels,
/// all on one event loop, so events still arrive one at a time in order per channel.
///
/// A connection that drops (its master failed over) or a channel its shard let go (its
/// slot moved) is subscribed again where the layout now says, with backoff while the
/// cluster elects a new master; then `.resubscribed` says messages may have been missed.
actor ShardedSubscriber {
    private enum Signal {
        case check
        case linked(RedisNodeAddress, any Channel)
        /// A shard let a channel go (its slot moved): the channel and the node that did.
        case dropped(String, RedisNodeAddress)
        /// The backoff after a failed placement is over.
        case retry
    }

    private let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let onEvent: @Sendable (RedisSubscriber.Event) -> Void
    private let keepaliveInterval: Duration
    private let signals: AsyncStream<Signal>
    private let signal: AsyncStream<Signal>.Continuation

    private(set) var channels: Set<String>
    private var topology: ClusterTopology?
    /// When `topology` was learnt: a burst of checks (a slot's channels let go one by one)
    /// asks the cluster once.
    private var learntAt: ContinuousClock.Instant?
    /// The master each channel's subscription went to.
    private var placed: [String: RedisNodeAddress] = [:]
    private var links: [RedisNodeAddress: any Channel] = [:]
    private var linking: [RedisNodeAddress: EventLoopFuture<any Channel>] = [:]
    private var confirming: [String: EventLoopFuture<Void>] = [:]
    /// Subscriptions were lost since the last complete placement: say so once they are back.
    private var missedSome = false

    init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        keepaliveInterval: Duration,
        channels: Set<String>,
        onEvent: @escaping @Sendable (RedisSubscriber.Event) -> Void
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.keepaliveInterval = keepaliveInterval
        self.channels = channels
        self.onEvent = onEvent
        (self.signals, self.signal) = AsyncStream.makeStream(of: Signal.self)
    }

    func subscribe(_ names: [String]) async throws {
        let inFlight = names.compactMap { self.confirming[$0] }
        let added = names.filter { self.channels.insert($0).inserted }
        if !added.isEmpty, self.topology != nil, try await !self.place(added).isEmpty {
            // Unreachable for now: the supervisor keeps trying, as after a reconnect, and
            // says `.resubscribed` once they are placed, so the caller catches up.
            self.missedSome = true
            self.signal.yield(.check)
        }
        for confirmation in inFlight { try await confirmation.get() }
    }

    func unsubscribe(_ names: [String]) async throws {
        var byLink: [RedisNodeAddress: [String]] = [:]
        for name in names where self.channels.remove(name) != nil {
            if let node = self.placed.removeValue(forKey: name) { byLink[node, default: []].append(name) }
        }
        var confirmations: [EventLoopFuture<Void>] = []
        for (node, names) in byLink {
            guard let link = self.links[node] else { continue }
            for group in Self.bySlot(names) { confirmations.append(self.request(.sunsubscribe, group, on: link)) }
        }
        for confirmation in confirmations { try await confirmation.get() }
    }

    func reconcile(_ names: [String], wanted: @Sendable (String) -> Bool) async throws {
        let (subscribing, unsubscribing) = RedisSubscriber.split(names, by: wanted)
        try await self.unsubscribe(unsubscribing)
        try await self.subscribe(subscribing)
    }

    /// Subscribes each channel at its slot's master, one `SSUBSCRIBE` per slot; returns the
    /// channels whose master could not be reached.
    private func place(_ names: [String]) async throws -> [String] {
        guard let topology = self.topology else { return names }
        var byNode: [RedisNodeAddress: [String]] = [:]
        var unreachable: [String] = []
        for name in names {
            if let node = topology.master(for: HashSlot(key: name)) { byNode[node, default: []].append(name) } else { unreachable.append(name) }
        }
        var confirmations: [(names: [String], confirmation: EventLoopFuture<Void>)] = []
        for (node, names) in byNode {
            let link: any Channel
            do {
                link = try await self.link(to: node)
            } catch {
                unreachable += names
                continue
            }
            // What changed while connecting: a channel let go, or placed by another caller.
            let still = names.filter { self.channels.contains($0) && self.placed[$0] == nil }
            for group in Self.bySlot(still) {
                let confirmation = self.request(.ssubscribe, group, on: link)
                for name in group {
                    self.placed[name] = node
                    self.confirming[name] = confirmation
                }
                confirmations.append((group, confirmation))
            }
        }
        var failure: (any Error)?
        for (names, confirmation) in confirmations {
            defer { for name in names where self.confirming[name] === confirmation { self.confirming[name] = nil } }
            do {
                try await confirmation.get()
            } catch {
                for name in names where self.placed[name] != nil { self.placed[name] = nil }
                if case .server(let message)? = error as? RedisError, ClusterRedirect(error: message) != nil {
                    // The layout changed under us: learnt again, and placed, by the supervisor.
                    unreachable += names
                } else {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return unreachable
    }

    /// A connection to `node` in subscriber mode, opened once however many callers ask.
    private func link(to node: RedisNodeAddress) async throws -> any Channel {
        if let link = self.links[node], link.isActive { return link }
        if let pending = self.linking[node] { return try await pending.get() }
        let promise = self.eventLoop.makePromise(of: (any Channel).self)
        self.linking[node] = promise.futureResult
        defer { self.linking[node] = nil }
        do {
            let connection = try await RedisConnection.connect(
                configuration: self.configuration.node(node),
                eventLoop: self.eventLoop,
                logger: self.logger
            )
            let onEvent = self.onEvent
            let signal = self.signal
            let link: any Channel
            do {
                link = try await connection.becomeSubscriber {
                    onEvent(.message($0))
                } onDropped: {
                    signal.yield(.dropped($0, node))
                }
            } catch {
                await connection.close()
                throw error
            }
            self.links[node] = link
            self.signal.yield(.linked(node, link))
            promise.succeed(link)
            return link
        } catch {
            promise.fail(error)
            throw error
        }
    }

    private func request(_ kind: PubSubRequest.Kind, _ names: [String], on link: any Channel) -> EventLoopFuture<Void> {
        RedisSubscriber.request(kind, names, on: link, timeout: self.configuration.commandTimeout)
    }

    /// Channels grouped by slot: a sharded (un)subscribe names channels of one slot only.
    private static func bySlot(_ names: [String]) -> [[String]] {
        Array(Dictionary(grouping: names) { HashSlot(key: $0) }.values)
    }

    /// Learns the layout and puts every channel where it belongs: those whose connection
    /// dropped, whose slot moved, or that were never placed.
    private func rebalance() async throws {
        if let learntAt, let topology, ContinuousClock.now - learntAt < .milliseconds(100) {
            try await self.rearrange(for: topology)
        } else {
            try await self.rearrange(for: try await self.learnTopology())
        }
    }

    private func learnTopology() async throws -> ClusterTopology {
        let topology = try await ClusterTopology.ask(
            (self.topology?.masters ?? []) + self.configuration.clusterNodes,
            logger: self.logger
        ) { node in
            let connection = try await RedisConnection.connect(
                configuration: self.configuration.node(node),
                eventLoop: self.eventLoop,
                logger: self.logger
            )
            defer { connection.channel.close(promise: nil) }
            return try await connection.send(RedisCommand("CLUSTER", "SLOTS"), timeout: self.configuration.commandTimeout)
        }
        self.topology = topology
        self.learntAt = .now
        return topology
    }

    /// Moves every channel whose placement `topology` contradicts, and places the unplaced.
    private func rearrange(for topology: ClusterTopology) async throws {
        for (name, node) in self.placed where topology.master(for: HashSlot(key: name)) != node || self.links[node] == nil {
            self.placed[name] = nil
            self.missedSome = true
            if let link = self.links[node] { _ = self.request(.sunsubscribe, [name], on: link) }
        }
        let masters = Set(topology.masters)
        for (node, link) in self.links where !masters.contains(node) && !self.placed.values.contains(node) {
            self.links[node] = nil
            link.close(promise: nil)
        }
        let unplaced = self.channels.filter { self.placed[$0] == nil && self.confirming[$0] == nil }
        let unreachable = try await self.place(Array(unplaced))
        guard unreachable.isEmpty else {
            self.missedSome = true
            throw RedisError.unavailable
        }
        if self.missedSome {
            self.missedSome = false
            self.onEvent(.resubscribed)
        }
    }

    private func lost(_ link: any Channel, of node: RedisNodeAddress) {
        guard self.links[node] === link else { return }
        self.links[node] = nil
        for (name, placedAt) in self.placed where placedAt == node { self.placed[name] = nil }
        self.missedSome = true
        self.onEvent(.disconnected)
    }

    /// Forgets where `name` was placed if `node` let it go; a placement made since, on
    /// another node, stays.
    private func dropped(_ name: String, by node: RedisNodeAddress) {
        guard self.placed[name] == node else { return }
        self.placed[name] = nil
        self.missedSome = true
    }

    /// Keeps the subscriptions where they belong until the service shuts down: checks the
    /// layout every 10 s, at once when a connection drops or a shard lets a channel go.
    func run() async {
        let signal = self.signal
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(10))
                        signal.yield(.check)
                    }
                }
                signal.yield(.check)
                var backoff = Backoff()
                var retrying = false
                for await event in self.signals {
                    switch event {
                    case .linked(let node, let link):
                        let interval = self.keepaliveInterval
                        let timeout = self.configuration.commandTimeout
                        group.addTask {
                            await RedisSubscriber.keepAlive(link, interval: interval, timeout: timeout)
                            await self.lost(link, of: node)
                            signal.yield(.check)
                        }
                        continue
                    case .dropped(let name, let node):
                        self.dropped(name, by: node)
                        if retrying { continue }
                    case .check:
                        // A retry is already scheduled: it will see this too.
                        if retrying { continue }
                    case .retry:
                        retrying = false
                    }
                    do {
                        try await self.rebalance()
                        backoff.reset()
                    } catch {
                        self.logger.warning("redis cluster subscriptions not all placed", metadata: ["error": "\(error)"])
                        retrying = true
                        let delay = backoff.next()
                        group.addTask {
                            try? await Task.sleep(for: delay)
                            signal.yield(.retry)
                        }
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            signal.finish()
        }
        for link in self.links.values { link.close(promise: nil) }
        self.links = [:]
    }
}
