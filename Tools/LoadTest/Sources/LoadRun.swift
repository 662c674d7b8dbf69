import Foundation
import NIOCore
import NIOPosix

/// What every scenario shares: the event loops, where sockets go, and the figures.
public final class LoadRun: Sendable {
    public let group: MultiThreadedEventLoopGroup
    public let board: StatsBoard
    let targets: [SocketTarget]
    let sources: [SocketAddress?]
    let connector: Connector
    let progress: Bool
    let phases: Bool

    /// Sockets go round-robin over `targets` (client i to target i mod n, so a room of
    /// consecutive clients spans every gateway), and over `sources` after that.
    /// With `phases`, a line `phase NAME` goes to standard error as each phase of a scenario
    /// begins (`mark`): a harness samples the servers' CPU between them, so that setting up
    /// accounts and rooms does not count against the deliveries.
    public init(targets: [SocketTarget], sources: [String], threads: Int, connectTimeout: TimeAmount, progress: Bool, phases: Bool = false) throws {
        precondition(!targets.isEmpty)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.board = StatsBoard(group: self.group)
        self.targets = targets
        self.sources = try sources.isEmpty ? [nil] : sources.map { try SocketAddress(ipAddress: $0, port: 0) }
        var connector = Connector()
        connector.connectTimeout = connectTimeout
        self.connector = connector
        self.progress = progress
        self.phases = phases
        FileLimit.raise()
    }

    public func shutdown() async {
        try? await self.group.shutdownGracefully()
    }

    /// Opens `count` sockets at `rate` a second (bounded by `count` and each socket's
    /// connect timeout); nil where one failed.
    public func connect(_ count: Int, rate: Double, auth: @Sendable (Int) -> ByteBuffer) async -> [NIOLoopBound<LoadSocket>?] {
        let tick = 0.01
        var opened: [EventLoopFuture<NIOLoopBound<LoadSocket>>] = []
        opened.reserveCapacity(count)
        let start = ContinuousClock.now
        while opened.count < count {
            let due = min(count, Int((start.duration(to: .now).seconds * rate).rounded(.up)) + 1)
            while opened.count < due {
                let index = opened.count
                let target = self.targets[index % self.targets.count]
                let source = self.sources[(index / self.targets.count) % self.sources.count]
                opened.append(
                    self.connector.open(index: index, target: target, source: source, auth: auth(index), on: self.group.next(), board: self.board)
                )
            }
            if opened.count < count { try? await Task.sleep(for: .seconds(tick)) }
        }
        var sockets: [NIOLoopBound<LoadSocket>?] = []
        sockets.reserveCapacity(count)
        for future in opened { sockets.append(try? await future.get()) }
        return sockets
    }

    /// Says that a phase begins (`sending`, `drained`, …) when asked to (`phases`).
    public func mark(_ phase: String) {
        guard self.phases else { return }
        FileHandle.standardError.write(Data("phase \(phase)\n".utf8))
    }

    /// Prints a line a second (to standard error) until cancelled.
    public func reportProgress(_ label: String) -> Task<Void, Never> {
        Task { [board, progress] in
            guard progress else { return }
            var last = await board.counts()
            let start = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let now = await board.counts()
                let delta = now - last
                last = now
                let line = String(
                    format: "[%@ %5.0fs] open %d (+%d, failed %d, dropped %d) | sent %d/s acked %d/s delivered %d/s | errors %d dup %d",
                    label,
                    start.duration(to: .now).seconds,
                    now.connected - now.dropped,
                    delta.connected,
                    now.connectFailed,
                    now.dropped,
                    delta.sent,
                    delta.acked,
                    delta.delivered,
                    now.ackErrors,
                    now.duplicated
                )
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    /// Closes every socket (a normal end, not counted as a drop).
    public func close(_ sockets: [NIOLoopBound<LoadSocket>?]) async {
        for socket in sockets.compactMap({ $0 }) {
            socket.eventLoop.execute { socket.value.close() }
        }
        try? await Task.sleep(for: .milliseconds(200))
    }
}

extension Duration {
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}

enum FileLimit {
    /// Up to the hard limit: a load test holds many sockets.
    static func raise() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
