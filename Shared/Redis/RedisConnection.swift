import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis. Commands from any number of tasks are pipelined on it.
public final class RedisConnection: Sendable {
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects, authenticates and selects the database.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger
    ) async throws -> RedisConnection {
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(RESPReplyHandler(), RedisCommandHandler())
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .get()
        let connection = RedisConnection(channel: channel)
        do {
            try await connection.prepare(configuration)
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    func prepare(_ configuration: RedisConfiguration) async throws {
        if let password = configuration.password {
            _ = try await self.send(RedisCommand("AUTH", .string(password)), timeout: configuration.commandTimeout)
        }
        if configuration.database != 0 {
            _ = try await self.send(RedisCommand("SELECT", .integer(configuration.database)), timeout: configuration.commandTimeout)
        }
    }

    /// Hands the connection over to pub/sub: from here on it only (un)subscribes and pings.
    func becomeSubscriber(
        onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void,
        onDropped: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> any Channel {
        try await self.channel.eventLoop.submit { [channel] in
            let pipeline = channel.pipeline.syncOperations
            pipeline.removeHandler(context: try pipeline.context(handlerType: RedisCommandHandler.self), promise: nil)
            try pipeline.addHandler(RedisPubSubHandler(onMessage: onMessage, onDropped: onDropped))
            return channel
        }.get()
    }

    public var isActive: Bool { self.channel.isActive }

    /// Completes when the connection is closed, by either side.
    public var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }

    /// Sends one command and waits for its reply; an error reply throws `RedisError.server`.
    public func send(_ command: RedisCommand, timeout: Duration) async throws -> RESPValue {
        try await self.submit([command], timeout: timeout)[0].get().throwingServerError()
    }

    /// Sends commands in one write and returns every reply, error replies included, in order.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration) async throws -> [RESPValue] {
        var values: [RESPValue] = []
        values.reserveCapacity(commands.count)
        for reply in self.submit(commands, timeout: timeout) {
            values.append(try await reply.get())
        }
        return values
    }

    public func close() async {
        try? await self.channel.close()
    }

    /// Hands the commands to the event loop in one task and flushes once.
    func submit(_ commands: [RedisCommand], timeout: Duration) -> [EventLoopFuture<RESPValue>] {
        let loop = self.channel.eventLoop
        let deadline = loop.now + TimeAmount(timeout)
        let requests = commands.map { command in
            var bytes = self.channel.allocator.buffer(capacity: 64)
            command.write(into: &bytes)
            return RedisRequest(bytes: bytes, reply: loop.makePromise(of: RESPValue.self), deadline: deadline)
        }
        loop.execute { [channel] in
            for request in requests {
                channel.write(request).whenFailure { error in
                    request.reply.fail(error as? RedisError ?? .connectionClosed)
                }
            }
            channel.flush()
        }
        return requests.map(\.reply.futureResult)
    }
}

extension RESPValue {
    func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw .server(message) }
        return self
    }
}
