import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Redis
import ServiceLifecycle
import Testing

/// The Redis that `./scripts/test` started; tests fail, never skip, without it.
func testRedisConfiguration() throws -> RedisConfiguration {
    guard let url = ProcessInfo.processInfo.environment["REDIS_URL"] else {
        throw TestSetupError("REDIS_URL is not set: run the tests through ./scripts/test")
    }
    var configuration = try RedisConfiguration(url: url)
    configuration.connectionWaitTimeout = .seconds(5)
    return configuration
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let testLogger: Logger = {
    var logger = Logger(label: "redis-tests")
    logger.logLevel = .critical
    return logger
}()

/// Runs a client (or subscriber) service for the duration of `body`.
func withRunning<T: Sendable>(_ service: some Service, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Waits for `condition`, polling, for at most `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}

/// A subscriber that pings every 200 ms (a lost server is noticed quickly) into `inbox`.
func quickSubscriber(_ configuration: RedisConfiguration, channels: [String] = [], inbox: Inbox) -> RedisSubscriber {
    RedisSubscriber(
        configuration: configuration,
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        logger: testLogger,
        keepaliveInterval: .milliseconds(200),
        channels: channels,
        onEvent: inbox.record
    )
}

/// Collects what a subscriber receives, for assertions.
final class Inbox: Sendable {
    private let box = NIOLockedValueBox<[RedisSubscriber.Event]>([])

    func record(_ event: RedisSubscriber.Event) { self.box.withLockedValue { $0.append(event) } }

    var messages: [RedisPubSubMessage] {
        self.box.withLockedValue { events in
            events.compactMap { if case .message(let message) = $0 { message } else { nil } }
        }
    }

    var resubscriptions: Int {
        self.box.withLockedValue { $0.filter { if case .resubscribed = $0 { true } else { false } }.count }
    }

    var disconnections: Int {
        self.box.withLockedValue { $0.filter { if case .disconnected = $0 { true } else { false } }.count }
    }

    func payloads(on channel: String) -> [String] {
        self.messages.filter { $0.channel == channel }.map { String(buffer: $0.payload) }
    }
}

/// A redis-server of the test's own, so that it can be killed and started again.
final class RedisServerProcess {
    let port: Int
    private var process: Process?

    init() throws {
        self.port = try freePort()
        try self.start()
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try which("redis-server"))
        process.arguments = ["--port", "\(self.port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops the server answering without closing a connection: a partition, a paused host.
    func pause() {
        if let process { Foundation.kill(process.processIdentifier, SIGSTOP) }
    }

    func resume() {
        if let process { Foundation.kill(process.processIdentifier, SIGCONT) }
    }

    deinit { self.kill() }

    var configuration: RedisConfiguration {
        RedisConfiguration(
            host: "127.0.0.1",
            port: self.port,
            connectTimeout: .milliseconds(500),
            commandTimeout: .seconds(2),
            connectionWaitTimeout: .seconds(1)
        )
    }
}

func which(_ program: String) throws -> String {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/bin", "/usr/sbin"]
    for directory in paths where FileManager.default.isExecutableFile(atPath: "\(directory)/\(program)") {
        return "\(directory)/\(program)"
    }
    throw TestSetupError("\(program) is not installed: run the tests through ./scripts/test")
}

/// A port nobody listens on right now.
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress!.port!
}

/// A Redis Cluster of the test's own, three masters and three replicas on loopback ports,
/// so that a test can kill a master. Failover is quick (`cluster-node-timeout` 1 s) and the
/// shards that still have a master keep serving meanwhile (`cluster-require-full-coverage no`).
/// Unchecked: only the test that made it kills its processes.
final class RedisClusterProcesses: @unchecked Sendable {
    let ports: [Int]
    private var processes: [Int: Process] = [:]
    private let directory: URL

    init() async throws {
        var ports: [Int] = []
        var busPorts: [Int] = []
        while ports.count < 6 {
            let port = try freePort()
            let bus = try freePort()
            guard port != bus, !ports.contains(port), !ports.contains(bus), !busPorts.contains(port), !busPorts.contains(bus) else { continue }
            ports.append(port)
            busPorts.append(bus)
        }
        self.ports = ports
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let server = try which("redis-server")
        for (port, bus) in zip(ports, busPorts) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: server)
            process.arguments = [
                "--port", "\(port)", "--cluster-port", "\(bus)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes-\(port).conf",
                "--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no", "--dir", self.directory.path,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.processes[port] = process
        }
        for port in ports {
            guard try await eventually(timeout: .seconds(10), { (try? await self.ask(port, RedisCommand("PING"))) == .simpleString("PONG") }) else {
                throw TestSetupError("cluster node \(port) did not start")
            }
        }
        let create = Process()
        create.executableURL = URL(fileURLWithPath: try which("redis-cli"))
        create.arguments = ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + ["--cluster-replicas", "1", "--cluster-yes"]
        create.standardOutput = FileHandle.nullDevice
        create.standardError = FileHandle.nullDevice
        try create.run()
        create.waitUntilExit()
        guard create.terminationStatus == 0 else { throw TestSetupError("redis-cli --cluster create failed") }
        try await self.waitUntilHealthy()
    }

    deinit {
        for process in self.processes.values {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Sends one command to one node, on a connection of its own (not cluster mode).
    func ask(_ port: Int, _ command: RedisCommand) async throws -> RESPValue {
        try await askNode(port, command)
    }

    /// The configuration a service would have: two of the nodes to learn the layout from.
    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(connectTimeout: .milliseconds(500), commandTimeout: .seconds(2), connectionWaitTimeout: .seconds(10))
        configuration.clusterNodes = self.ports.prefix(2).map { RedisNodeAddress(host: "127.0.0.1", port: $0) }
        return configuration
    }

    /// Every live node says the cluster is up, and the masters cover every slot.
    func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws {
        let live = self.ports.filter { self.processes[$0] != nil }
        let healthy = try await eventually(timeout: timeout) {
            for port in live {
                guard let info = try? await self.ask(port, RedisCommand("CLUSTER", "INFO")).string, info.contains("cluster_state:ok") else {
                    return false
                }
                // A replica that has not synced yet could not take over.
                let role = try? await self.ask(port, RedisCommand("ROLE")).array
                if role?.first?.string == "slave", role?[3].string != "connected" { return false }
            }
            return try await self.masters().count == 3
        }
        guard healthy else { throw TestSetupError("the cluster did not become healthy") }
    }

    /// The masters serving slots, by port, as the first live node sees them.
    func masters() async throws -> [Int] {
        guard let port = self.ports.first(where: { self.processes[$0] != nil }) else { return [] }
        let ranges = try await self.ask(port, RedisCommand("CLUSTER", "SLOTS")).array ?? []
        return Array(Set(ranges.compactMap { $0.array?[2].array?[1].int }))
    }

    /// The master serving `key`'s slot.
    func master(of key: String) async throws -> Int {
        let slot = HashSlot(key: key).value
        let ranges = try await self.ask(self.ports.first { self.processes[$0] != nil }!, RedisCommand("CLUSTER", "SLOTS")).array ?? []
        for range in ranges {
            guard let parts = range.array, let start = parts[0].int, let end = parts[1].int, (start...end).contains(Int(slot)),
                let port = parts[2].array?[1].int
            else { continue }
            return port
        }
        throw TestSetupError("no master serves \(key)")
    }

    func kill(_ port: Int) {
        guard let process = self.processes.removeValue(forKey: port) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// One master, one replica and three sentinels of the test's own, so that a test can kill
/// the master and see the sentinels promote the replica (down after 1 s).
/// Unchecked: only the test that made it kills its processes.
final class RedisSentinelProcesses: @unchecked Sendable {
    let master: Int
    let replica: Int
    let sentinels: [Int]
    private var processes: [Int: Process] = [:]
    private let directory: URL

    init() async throws {
        var ports: [Int] = []
        while ports.count < 5 {
            let port = try freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        (self.master, self.replica, self.sentinels) = (ports[0], ports[1], Array(ports[2...]))
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-sentinel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", self.directory.path]
        try self.spawn(self.master, ["--port", "\(self.master)"] + common)
        try self.spawn(self.replica, ["--port", "\(self.replica)", "--replicaof", "127.0.0.1", "\(self.master)"] + common)
        for port in self.sentinels {
            let file = self.directory.appendingPathComponent("sentinel-\(port).conf")
            try """
            port \(port)
            bind 127.0.0.1
            dir \(self.directory.path)
            sentinel monitor mymaster 127.0.0.1 \(self.master) 2
            sentinel down-after-milliseconds mymaster 1000
            sentinel failover-timeout mymaster 5000
            """.write(to: file, atomically: true, encoding: .utf8)
            try self.spawn(port, [file.path, "--sentinel"])
        }
        let ready = try await eventually(timeout: .seconds(30)) {
            let role = try? await self.ask(self.replica, RedisCommand("ROLE")).array
            guard role?[3].string == "connected" else { return false }
            for sentinel in self.sentinels {
                let replicas = try? await self.ask(sentinel, RedisCommand("SENTINEL", "REPLICAS", "mymaster")).array
                guard replicas?.isEmpty == false else { return false }
            }
            return true
        }
        guard ready else { throw TestSetupError("the sentinels did not see the replica") }
    }

    private func spawn(_ port: Int, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try which("redis-server"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.processes[port] = process
    }

    deinit {
        for process in self.processes.values {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// The configuration a service would have: the sentinels, not the master.
    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(connectTimeout: .milliseconds(500), commandTimeout: .seconds(2), connectionWaitTimeout: .seconds(10))
        configuration.sentinels = self.sentinels.map { RedisNodeAddress(host: "127.0.0.1", port: $0) }
        return configuration
    }

    func ask(_ port: Int, _ command: RedisCommand) async throws -> RESPValue {
        try await askNode(port, command)
    }

    func kill(_ port: Int) {
        guard let process = self.processes.removeValue(forKey: port) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Sends one command to one node, on a connection of its own.
func askNode(_ port: Int, _ command: RedisCommand) async throws -> RESPValue {
    let connection = try await RedisConnection.connect(
        configuration: RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500)),
        eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
        logger: testLogger
    )
    do {
        let reply = try await connection.send(command, timeout: .seconds(2))
        await connection.close()
        return reply
    } catch {
        await connection.close()
        throw error
    }
}
