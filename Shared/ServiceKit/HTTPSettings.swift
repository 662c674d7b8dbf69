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
        host: String = Self.host.defaultValue,
        port: Int,
        backlog: Int = Self.backlog.defaultValue,
        headerTimeout: Duration = Self.headerTimeout.defaultValue,
        idleTimeout: Duration = Self.idleTimeout.defaultValue
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    public static let host = Setting.string("HTTP_HOST", default: "127.0.0.1", help: "the address the service listens on")
    /// Each service has its own default port.
    public static func port(default port: Int) -> Setting<Int> {
        .int("HTTP_PORT", default: port, in: 0...65535, help: "the port the service listens on")
    }
    public static let backlog = Setting.int(
        "HTTP_BACKLOG",
        default: 4096,
        in: 1...65535,
        help: "connections the kernel queues before they are accepted (capped by `net.core.somaxconn`)"
    )
    public static let headerTimeout = Setting.seconds(
        "HTTP_HEADER_TIMEOUT",
        default: .seconds(10),
        help: "a connection's first request head must arrive within it"
    )
    public static let idleTimeout = Setting.seconds(
        "HTTP_IDLE_TIMEOUT",
        default: .seconds(60),
        help: "a kept-alive connection idle this long is closed (a response being written never is)"
    )

    public init(_ values: ConfigurationValues, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: try values.read(Self.host),
            port: try values.read(Self.port(default: defaultPort)),
            backlog: try values.read(Self.backlog),
            headerTimeout: try values.read(Self.headerTimeout),
            idleTimeout: try values.read(Self.idleTimeout)
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
