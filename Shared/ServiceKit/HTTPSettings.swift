import Hummingbird
import HummingbirdCore
import NIOCore
import ServiceConfiguration

/// Where a service listens.
public struct HTTPSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Connections the kernel may queue before the service accepts them. A gateway's clients
    /// all come back at once after a restart: past a full queue a connect is dropped and its
    /// client waits a second to try again. Linux caps it at `net.core.somaxconn`.
    public var backlog: Int
    /// How long a connection may take to send its first request head.
    public var headerTimeout: Duration
    /// How long a kept-alive connection may stay idle between requests (a slow body's gaps
    /// included); a response being written is never cut.
    public var idleTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int,
        backlog: Int = 4096,
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    /// `HTTP_HOST`, `HTTP_PORT`, `HTTP_BACKLOG`, `HTTP_HEADER_TIMEOUT` and `HTTP_IDLE_TIMEOUT`;
    /// each service has its own default port.
    public init(_ values: ConfigurationValues, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: values.string("HTTP_HOST", default: "127.0.0.1"),
            port: try values.int("HTTP_PORT", default: defaultPort, in: 0...65535),
            backlog: try values.int("HTTP_BACKLOG", default: 4096, in: 1...65535),
            headerTimeout: try values.seconds("HTTP_HEADER_TIMEOUT", default: .seconds(10)),
            idleTimeout: try values.seconds("HTTP_IDLE_TIMEOUT", default: .seconds(60))
        )
    }

    /// HTTP/1.1, idle connections closed after `idleTimeout` (which also bounds a slow head).
    public var server: HTTPServerBuilder {
        .http1(configuration: .init(idleTimeout: TimeAmount(self.idleTimeout)))
    }

    /// The server's configuration, named `serverName`.
    public func application(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: serverName, backlog: self.backlog)
    }
}
