import ArgumentParser
import AsyncHTTPClient
import Foundation
import LoadTestKit
import NIOCore

@main
struct ChatLoadTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-loadtest",
        abstract: "Load-tests a Socket.IO v4 chat gateway (this one, or any server speaking the same events).",
        discussion: """
            Every loop is bounded in count and time. A progress line goes to standard error each
            second; the report to standard output (--json for machines). The exit status is 1
            when loss or failed connections pass their thresholds.
            """,
        subcommands: [Storm.self, Fanout.self, Send.self]
    )
}

struct Common: ParsableArguments {
    @Option(name: .customLong("url"), help: "A gateway's base URL; repeat to spread sockets over several.")
    var urls: [String] = ["http://127.0.0.1:8080"]

    @Option(help: "The Socket.IO path.")
    var path = "/socket.io/"

    @Option(help: "The REST API's base URL (accounts and conversations); the first --url by default.")
    var api: String?

    @Option(name: .customLong("source"), help: "A local address to connect from (127.0.0.x); repeat to exceed one address's ports.")
    var sources: [String] = []

    @Option(help: "Event loop threads.")
    var threads = 2

    @Option(help: "Seconds a connection may take, handshake included.")
    var connectTimeout = 10

    @Flag(help: "No accounts: connect with a made-up user id and invented room ids (servers without auth).")
    var anonymous = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "A line `phase NAME` to standard error as each phase begins (connecting, closed; sending, drained).")
    var phases = false

    func makeRun() throws -> LoadRun {
        try LoadRun(
            targets: try self.urls.map { try SocketTarget(url: $0, path: self.path) },
            sources: self.sources,
            threads: self.threads,
            connectTimeout: .seconds(Int64(self.connectTimeout)),
            progress: !self.quiet,
            phases: self.phases
        )
    }

    func accounts(_ http: HTTPClient) -> Accounts { Accounts(api: self.api ?? self.urls[0], http: http) }

    func print(_ report: LoadReport) {
        Swift.print(self.json ? report.json : report.text, terminator: self.json ? "\n" : "")
    }
}

let runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)

struct Storm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open N sockets at R a second, hold them, close them.")

    @OptionGroup var common: Common
    @Option(help: "Sockets to open.") var sockets = 1000
    @Option(help: "Sockets opened a second.") var rate = 500.0
    @Option(help: "Seconds to hold them open.") var hold = 5
    @Option(help: "Users whose tokens the sockets share.") var users = 20
    @Option(help: "Exit 1 when more than this percentage of connections failed.") var maxFailed = 1.0

    func run() async throws {
        let load = try self.common.makeRun()
        let identity: Identity
        if self.common.anonymous {
            identity = .anonymous
        } else {
            identity = .tokens(
                try await withHTTPClient { try await self.common.accounts($0).register(self.users, run: runID) { _ in false }.map(\.token) }
            )
        }
        let report = await StormScenario(sockets: self.sockets, rate: self.rate, hold: .seconds(self.hold)).run(on: load, identity: identity)
        await load.shutdown()
        self.common.print(report)
        let failed = Double(report.counts.connectFailed) * 100 / Double(max(1, report.counts.connectAttempts))
        if failed > self.maxFailed { throw ExitCode(1) }
    }
}

struct RoomOptions: ParsableArguments {
    @Option(help: "Clients (fanout: 1000, send: 200).") var clients: Int?
    @Option(help: "Clients per room, a conversation (fanout: 20, send: 2).") var room: Int?
    @Option(help: "Clients that send (fanout: 200, send: 100).") var senders: Int?
    @Option(help: "Messages a second, per sender.") var rate = 10.0
    @Option(help: "Seconds of sending.") var duration = 10
    @Option(help: "Sockets opened a second.") var connectRate = 1000.0
    @Option(help: "Exit 1 when more than this percentage of owed deliveries is lost.") var maxLoss = 0.1
    @Option(help: "Seconds to wait after the last send for acks and deliveries still on their way (what has not come by then is lost).")
    var drain = 10

    func run(_ name: String, _ common: Common, defaults: (clients: Int, room: Int, senders: Int)) async throws {
        let scenario = RoomScenario(
            name: name,
            clients: self.clients ?? defaults.clients,
            roomSize: self.room ?? defaults.room,
            senders: self.senders ?? defaults.senders,
            rate: self.rate,
            duration: .seconds(self.duration),
            connectRate: self.connectRate,
            drain: .seconds(self.drain)
        )
        let identity: Identity
        let conversations: [String]
        if common.anonymous {
            identity = .anonymous
            conversations = (0..<scenario.rooms).map { "load-\(runID)-\($0)" }
        } else {
            (identity, conversations) = try await withHTTPClient { http in
                let accounts = common.accounts(http)
                let users = try await accounts.register(scenario.clients, run: runID) { $0 % scenario.roomSize == 0 }
                let rooms = stride(from: 0, to: users.count, by: scenario.roomSize).map {
                    Array(users[$0..<min(users.count, $0 + scenario.roomSize)])
                }
                return (Identity.tokens(users.map(\.token)), try await accounts.conversations(for: rooms))
            }
        }
        let load = try common.makeRun()
        let report = try await scenario.run(on: load, identity: identity, conversations: conversations)
        await load.shutdown()
        common.print(report)
        if report.lossPercent > self.maxLoss || report.counts.acked == 0 { throw ExitCode(1) }
    }
}

struct Fanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clients in rooms of K, S senders at a fixed rate: deliveries a second and their latency."
    )

    @OptionGroup var common: Common
    @OptionGroup var options: RoomOptions

    func run() async throws { try await self.options.run("fanout", self.common, defaults: (1000, 20, 200)) }
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Acked end-to-end sends: pairs across gateways, each message stored before its ack, then delivered."
    )

    @OptionGroup var common: Common
    @OptionGroup var options: RoomOptions

    func run() async throws { try await self.options.run("send", self.common, defaults: (200, 2, 100)) }
}

func withHTTPClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(http)
        try await http.shutdown()
        return result
    } catch {
        try? await http.shutdown()
        throw error
    }
}
