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
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
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
