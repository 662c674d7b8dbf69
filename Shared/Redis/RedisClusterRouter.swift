import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Speaks Redis Cluster for `RedisClient`: sends each command to the master that owns its
/// key's slot, one pipelined connection per master, opened when first needed. It learns the
/// layout with `CLUSTER SLOTS` from any node it knows, follows `MOVED` (and learns from it)
/// and `ASK`, and learns the layout again whenever a node stops answering, so that after a
/// failover commands reach the promoted replica.
///
/// `PUBLISH` goes out as `SPUBLISH`: a channel lives on its slot's shard and only that
/// shard's subscribers hear it, so pub/sub grows with shards (a cluster's `PUBLISH` would
/// reach every node).
final class RedisClusterRouter: Sendable {
    private let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    private struct State {
        var topology: ClusterTopology?
        /// A node failed or redirected: learn the layout again before the next command.
        var isStale = true
        var links: [RedisNodeAddress: Link] = [:]
        var refresh: EventLoopFuture<ClusterTopology>?
        var isShutdown = false
        /// Nodes whose last connection attempt failed, and when: asked for the layout last.
        var failed: [RedisNodeAddress: ContinuousClock.Instant] = [:]
    }

    private enum Link {
        case connecting(EventLoopFuture<RedisConnection>)
        case connected(RedisConnection)
    }

    /// A command still to send, and where an `ASK` sent it.
    private struct Pending {
        var index: Int
        var asking: RedisNodeAddress?
    }

    init(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.state = NIOLockedValueBox(State())
    }

    /// Sends the commands, one write per master, and returns every reply in order, error
    /// replies included. Redirections are followed; a master that cannot be reached is waited
    /// for (its replica's promotion) for `connectionWaitTimeout`. A connection lost after the
    /// write throws, as on one node: the command may or may not have run.
    func pipeline(_ commands: [RedisCommand], timeout: Duration) async throws -> [RESPValue] {
        let commands = commands.map { $0.name.uppercased() == "PUBLISH" ? $0.renamed("SPUBLISH") : $0 }
        var replies = [RESPValue?](repeating: nil, count: commands.count)
        var waiting = commands.indices.map { Pending(index: $0, asking: nil) }
        var backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(500))
        var rounds = 0
        let deadline = ContinuousClock.now + self.configuration.connectionWaitTimeout
        while true {
            let topology: ClusterTopology
            do {
                topology = try await self.topology()
            } catch RedisError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: backoff.next())
                continue
            }
            var batches: [RedisNodeAddress: [Pending]] = [:]
            var retry: [Pending] = []
            // Whether to give the cluster time: a node unreachable, a slot without a master.
            var wait = false
            for pending in waiting {
                if let node = pending.asking ?? self.master(for: commands[pending.index].route, in: topology) {
                    batches[node, default: []].append(pending)
                } else {
                    retry.append(pending)
                    wait = true
                }
            }
            var sent: [(pending: Pending, reply: EventLoopFuture<RESPValue>, connection: RedisConnection)] = []
            for (node, batch) in batches {
                guard let connection = try? await self.connection(to: node) else {
                    retry += batch
                    wait = true
                    continue
                }
                var outgoing: [RedisCommand] = []
                for pending in batch {
                    if pending.asking != nil { outgoing.append(RedisCommand("ASKING")) }
                    outgoing.append(commands[pending.index])
                }
                var futures = connection.submit(outgoing, timeout: timeout)[...]
                for pending in batch {
                    if pending.asking != nil { _ = futures.popFirst() }
                    sent.append((pending, futures.removeFirst(), connection))
                }
            }
            for (pending, future, connection) in sent {
                let reply: RESPValue
                do {
                    reply = try await future.get()
                } catch {
                    self.markStale()
                    // A master that stops answering is treated as gone, as on one node.
                    if error as? RedisError == .timeout { connection.channel.close(promise: nil) }
                    throw error
                }
                if case .error(let message) = reply {
                    if let redirect = ClusterRedirect(error: message) {
                        if redirect.kind == .moved { self.record(redirect) }
                        retry.append(Pending(index: pending.index, asking: redirect.kind == .ask ? redirect.node : nil))
                        continue
                    }
                    if message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN") || message.hasPrefix("MOVED") {
                        retry.append(Pending(index: pending.index, asking: nil))
                        wait = true
                        continue
                    }
                }
                replies[pending.index] = reply
            }
            if retry.isEmpty { return replies.map { $0 ?? .null } }
            waiting = retry
            rounds += 1
            guard ContinuousClock.now < deadline, rounds < 50 else { throw RedisError.unavailable }
            // A redirection is followed at once; an unreachable node or a cluster that is
            // electing a new master is given time, then asked for its layout again.
            if wait {
                self.markStale()
                try await Task.sleep(for: backoff.next())
            }
        }
    }

    /// Where a command goes: its slot's master, or for a keyless one (a readiness `PING`) a
    /// master this client is connected to, so that one failed master does not fail them all.
    private func master(for route: RedisRoute, in topology: ClusterTopology) -> RedisNodeAddress? {
        guard route == .anyNode else { return topology.master(for: route) }
        let connected = self.state.withLockedValue { state in
            topology.masters.first { node in
                if case .connected(let connection) = state.links[node] { connection.isActive } else { false }
            }
        }
        return connected ?? topology.master(for: route)
    }

    /// The layout, learnt again first if a node failed or redirected since; while another
    /// caller learns it, the one known serves (its healthy masters need not wait).
    private func topology() async throws -> ClusterTopology {
        let (known, pending): (ClusterTopology?, EventLoopFuture<ClusterTopology>?) = self.state.withLockedValue { state in
            if state.isShutdown { return (nil, self.eventLoop.makeFailedFuture(RedisError.shutdown)) }
            if let topology = state.topology, !state.isStale || state.refresh != nil { return (topology, nil) }
            return (nil, state.refresh)
        }
        if let known { return known }
        if let pending { return try await pending.get() }
        return try await self.refresh()
    }

    /// Asks the known masters, then the configured nodes, for the layout; one question at a
    /// time however many callers want it.
    @discardableResult
    func refresh() async throws -> ClusterTopology {
        let promise = self.eventLoop.makePromise(of: ClusterTopology.self)
        let running: EventLoopFuture<ClusterTopology>? = self.state.withLockedValue { state in
            if let refresh = state.refresh { return refresh }
            state.refresh = promise.futureResult
            state.isStale = false
            return nil
        }
        if let running {
            promise.fail(RedisError.shutdown)
            return try await running.get()
        }
        do {
            let topology = try await self.askForTopology()
            let unused: [RedisConnection] = self.state.withLockedValue { state in
                state.topology = topology
                state.refresh = nil
                // Nodes no longer masters (a failed one back as a replica) are let go.
                let masters = Set(topology.masters)
                let gone = state.links.filter { !masters.contains($0.key) }
                for node in gone.keys { state.links[node] = nil }
                return gone.values.compactMap { if case .connected(let connection) = $0 { connection } else { nil } }
            }
            for connection in unused { connection.channel.close(promise: nil) }
            promise.succeed(topology)
            return topology
        } catch {
            self.state.withLockedValue { state in
                state.refresh = nil
                state.isStale = true
            }
            promise.fail(error)
            throw error
        }
    }

    private func askForTopology() async throws -> ClusterTopology {
        // Nodes that failed lately last: during a failover the dead master is still listed.
        let (known, failed) = self.state.withLockedValue { ($0.topology?.masters ?? [], $0.failed) }
        let recent = ContinuousClock.now - .seconds(10)
        let candidates = (known + self.configuration.clusterNodes).enumerated().sorted { first, second in
            let (firstFailed, secondFailed) = ((failed[first.element] ?? recent) > recent, (failed[second.element] ?? recent) > recent)
            return firstFailed == secondFailed ? first.offset < second.offset : !firstFailed
        }.map(\.element)
        return try await ClusterTopology.ask(candidates, logger: self.logger) { node in
            // Asking is not using: a node that does not answer here leaves the layout as it is.
            try await self.connection(to: node, marksStale: false).send(
                RedisCommand("CLUSTER", "SLOTS"),
                timeout: self.configuration.commandTimeout
            )
        }
    }

    private func record(_ redirect: ClusterRedirect) {
        self.state.withLockedValue { state in
            state.topology?.move(redirect.slot, to: redirect.node)
            // One slot moved is often many (a failover, a resharding): learn them all.
            state.isStale = true
        }
    }

    private func markStale() {
        self.state.withLockedValue { $0.isStale = true }
    }

    /// The node's connection, opened (once, however many callers ask) if there is none.
    private func connection(to node: RedisNodeAddress, marksStale: Bool = true) async throws -> RedisConnection {
        let promise = self.eventLoop.makePromise(of: RedisConnection.self)
        let existing: Result<RedisConnection, any Error>? = self.state.withLockedValue { state in
            if state.isShutdown { return .failure(RedisError.shutdown) }
            switch state.links[node] {
            case .connected(let connection) where connection.isActive: return .success(connection)
            case .connecting(let future): return .failure(Waiting(future: future))
            case .connected, nil:
                state.links[node] = .connecting(promise.futureResult)
                return nil
            }
        }
        switch existing {
        case .success(let connection):
            promise.fail(RedisError.shutdown)
            return connection
        case .failure(let waiting as Waiting):
            promise.fail(RedisError.shutdown)
            return try await waiting.future.get()
        case .failure(let error):
            promise.fail(error)
            throw error
        case nil:
            break
        }
        do {
            let connection = try await RedisConnection.connect(
                configuration: self.configuration.node(node),
                eventLoop: self.eventLoop,
                logger: self.logger
            )
            let kept = self.state.withLockedValue { state in
                guard !state.isShutdown else { return false }
                state.links[node] = .connected(connection)
                state.failed[node] = nil
                return true
            }
            guard kept else {
                await connection.close()
                throw RedisError.shutdown
            }
            connection.closeFuture.whenComplete { _ in self.forget(connection, of: node) }
            promise.succeed(connection)
            return connection
        } catch {
            self.state.withLockedValue { state in
                if case .connecting(let future) = state.links[node], future === promise.futureResult { state.links[node] = nil }
                state.failed[node] = .now
                if marksStale { state.isStale = true }
            }
            promise.fail(error)
            throw error
        }
    }

    private struct Waiting: Error {
        let future: EventLoopFuture<RedisConnection>
    }

    /// A connection closed: its node may have failed over.
    private func forget(_ connection: RedisConnection, of node: RedisNodeAddress) {
        self.state.withLockedValue { state in
            if case .connected(let current) = state.links[node], current === connection { state.links[node] = nil }
            state.isStale = true
        }
    }

    /// Learns the layout now and then (a resharding that no command has run into yet) until
    /// the service shuts down, then closes every connection.
    func run() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = try? await self.refresh()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
        }
        let links = self.state.withLockedValue { state in
            state.isShutdown = true
            defer { state.links = [:] }
            return Array(state.links.values)
        }
        for link in links {
            if case .connected(let connection) = link { await connection.close() }
        }
    }
}
