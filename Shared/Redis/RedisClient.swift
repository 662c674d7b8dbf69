import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A Redis client that keeps one pipelined connection open, reconnecting with backoff
/// whenever it drops. Run it as a `Service`; commands issued while it reconnects wait up
/// to `connectionWaitTimeout`, then fail with the retryable `RedisError.unavailable`.
///
/// Blocking commands (`XREADGROUP … BLOCK`) hold the connection: give them a client of their own.
///
/// With `configuration.clusterNodes` set it speaks Redis Cluster (`RedisClusterRouter`):
/// the same calls, each command sent to its key's master.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let state: NIOLockedValueBox<State>
    private let cluster: RedisClusterRouter?

    private enum State {
        /// Not connected; callers wait on the promise, which the next connection fulfils.
        case connecting(EventLoopPromise<RedisConnection>)
        case connected(RedisConnection)
        case shutdown
    }

    public init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoopGroup.next()
        self.logger = logger
        self.state = NIOLockedValueBox(.connecting(self.eventLoop.makePromise()))
        self.cluster = configuration.isCluster ? RedisClusterRouter(configuration: configuration, eventLoop: self.eventLoop, logger: logger) : nil
    }

    deinit {
        if case .connecting(let promise) = self.state.withLockedValue({ $0 }) {
            promise.fail(RedisError.shutdown)
        }
    }

    /// Sends one command; an error reply throws `RedisError.server`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        if let cluster {
            return try await cluster.pipeline([command], timeout: timeout ?? self.configuration.commandTimeout)[0].throwingServerError()
        }
        let connection = try await self.connection()
        return try await self.closingWhenStale(connection) {
            try await connection.send(command, timeout: timeout ?? self.configuration.commandTimeout)
        }
    }

    public func send(_ name: String, _ arguments: RedisArgument...) async throws -> RESPValue {
        try await self.send(RedisCommand(name, arguments))
    }

    /// Redis answers: a readiness check.
    @Sendable public func ping() async throws {
        _ = try await self.send("PING")
    }

    /// Sends the commands in one write; returns every reply in order, error replies included.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [RESPValue] {
        if let cluster { return try await cluster.pipeline(commands, timeout: timeout ?? self.configuration.commandTimeout) }
        let connection = try await self.connection()
        let replies = try await self.closingWhenStale(connection) {
            try await connection.pipeline(commands, timeout: timeout ?? self.configuration.commandTimeout)
        }
        if self.configuration.hasSentinels, replies.contains(where: \.isReadOnlyError) { connection.channel.close(promise: nil) }
        return replies
    }

    /// A server that stops answering is treated as gone, and so, with sentinels, is a master
    /// demoted to a replica (`READONLY`): closing makes `run` reconnect to whichever master
    /// there is now.
    private func closingWhenStale<T>(_ connection: RedisConnection, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch RedisError.timeout {
            connection.channel.close(promise: nil)
            throw RedisError.timeout
        } catch RedisError.server(let message) where self.configuration.hasSentinels && message.hasPrefix("READONLY") {
            connection.channel.close(promise: nil)
            throw RedisError.server(message)
        }
    }

    /// The live connection, waiting for a reconnect for at most `connectionWaitTimeout`.
    private func connection() async throws -> RedisConnection {
        let pending: EventLoopFuture<RedisConnection>
        switch self.state.withLockedValue({ $0 }) {
        case .connected(let connection):
            // No timer to schedule and cancel (NIO finds a cancelled timer by searching its
            // whole heap, which in a gateway holds a ping timer per socket).
            return connection
        case .connecting(let promise): pending = promise.futureResult
        case .shutdown: throw RedisError.shutdown
        }
        let bounded = self.eventLoop.makePromise(of: RedisConnection.self)
        pending.cascade(to: bounded)
        let deadline = self.eventLoop.scheduleTask(in: TimeAmount(self.configuration.connectionWaitTimeout)) {
            bounded.fail(RedisError.unavailable)
        }
        bounded.futureResult.whenComplete { _ in deadline.cancel() }
        return try await bounded.futureResult.get()
    }

    public func run() async throws {
        if let cluster {
            await cluster.run()
            self.shutdown()
            return
        }
        var backoff = Backoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let connection = try await RedisConnection.connectToMaster(
                    configuration: self.configuration,
                    eventLoop: self.eventLoop,
                    logger: self.logger
                )
                backoff.reset()
                self.logger.debug("redis connected", metadata: ["redis.host": "\(self.configuration.host):\(self.configuration.port)"])
                self.becomeConnected(connection)
                await withTaskCancellationOrGracefulShutdownHandler {
                    try? await connection.closeFuture.get()
                } onCancelOrGracefulShutdown: {
                    connection.channel.close(promise: nil)
                }
                self.becomeDisconnected()
                self.logger.warning("redis connection lost")
            } catch {
                self.logger.warning("redis connect failed", metadata: ["error": "\(error)"])
            }
            let delay = backoff.next()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        }
        self.shutdown()
    }

    private func becomeConnected(_ connection: RedisConnection) {
        let waiters: EventLoopPromise<RedisConnection>? = self.state.withLockedValue { state in
            guard case .connecting(let promise) = state else { return nil }
            state = .connected(connection)
            return promise
        }
        waiters?.succeed(connection)
    }

    private func becomeDisconnected() {
        self.state.withLockedValue { state in
            if case .connected = state { state = .connecting(self.eventLoop.makePromise()) }
        }
    }

    private func shutdown() {
        let previous = self.state.withLockedValue { state in
            defer { state = .shutdown }
            return state
        }
        switch previous {
        case .connecting(let promise): promise.fail(RedisError.shutdown)
        case .connected(let connection): connection.channel.close(promise: nil)
        case .shutdown: break
        }
    }
}
