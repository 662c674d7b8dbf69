import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A Socket.IO endpoint: where to connect and the path of its WebSocket transport.
public struct SocketTarget: Sendable, CustomStringConvertible {
    public var address: SocketAddress
    public var host: String
    public var path: String

    /// `url` is the server's base (`http://127.0.0.1:8080`); `path` its Socket.IO path.
    public init(url: String, path: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, ["http", "ws"].contains(components.scheme ?? "") else {
            throw LoadTestError.setup("not an http:// URL: \(url)")
        }
        self.host = host
        self.address = try SocketAddress.makeAddressResolvingHost(host, port: components.port ?? 80)
        let trimmed = path.hasSuffix("/") ? path : path + "/"
        self.path = "\(trimmed.hasPrefix("/") ? "" : "/")\(trimmed)?EIO=4&transport=websocket"
    }

    public var description: String { "\(self.host):\(self.address.port ?? 0)" }
}

/// Opens `LoadSocket`s: TCP from a chosen local address (so that many sockets to one
/// server are not bounded by one source address's ephemeral ports), the WebSocket
/// upgrade, then Socket.IO up to CONNECT.
public struct Connector: Sendable {
    public var connectTimeout: TimeAmount = .seconds(10)

    public init() {}

    /// A socket connected to `target` and past CONNECT, or the reason it is not; counted
    /// into the loop's stats either way.
    public func open(
        index: Int,
        target: SocketTarget,
        source: SocketAddress?,
        auth: ByteBuffer,
        on loop: any EventLoop,
        board: StatsBoard
    ) -> EventLoopFuture<NIOLoopBound<LoadSocket>> {
        loop.flatSubmit {
            let stats = board.stats(on: loop)
            stats.figures.counts.connectAttempts += 1
            let ready = loop.makePromise(of: Void.self)
            let socket = LoadSocket(index: index, auth: auth, stats: stats, startedAt: Clock.now(), ready: ready)
            let bound = NIOLoopBound(socket, eventLoop: loop)
            let timeout = loop.scheduleTask(in: self.connectTimeout) { ready.fail(LoadTestError.timedOut) }

            var bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(self.connectTimeout)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try Self.configure(channel, target: target, socket: bound, ready: ready)
                    }
                }
            if let source { bootstrap = bootstrap.bind(to: source) }
            let connection = bootstrap.connect(to: target.address)
            connection.whenFailure { ready.fail($0) }
            let failures = NIOLoopBound(stats, eventLoop: loop)
            ready.futureResult.whenComplete { result in
                timeout.cancel()
                if case .failure(let error) = result {
                    failures.value.figures.counts.connectFailed += 1
                    failures.value.figures.failed(error)
                    connection.whenSuccess { $0.close(promise: nil) }
                }
            }
            return ready.futureResult.map { bound }
        }
    }

    private static func configure(
        _ channel: any Channel,
        target: SocketTarget,
        socket: NIOLoopBound<LoadSocket>,
        ready: EventLoopPromise<Void>
    ) throws {
        let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(maxFrameSize: 1 << 20) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(socket.value)
                return true
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.description)
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers)
        var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
            upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(upgradeRequestHead: request, upgraders: [upgrader]) { channel in
                channel.eventLoop.makeCompletedFuture { false }
            }
        )
        // The server's first Engine.IO packet may share a read with the 101 response.
        configuration.leftOverBytesStrategy = .forwardBytes
        let upgraded = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        upgraded.whenComplete { result in
            switch result {
            case .success(true): return
            case .success(false): ready.fail(LoadTestError.notUpgraded)
            case .failure(let error): ready.fail(error)
            }
            channel.close(promise: nil)
        }
    }
}
