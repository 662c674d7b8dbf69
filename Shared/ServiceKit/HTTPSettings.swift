import Hummingbird
import ServiceConfiguration

/// Where a service listens.
public struct HTTPSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Connections the kernel may queue before the service accepts them. A gateway's clients
    /// all come back at once after a restart: past a full queue a connect is dropped and its
    /// client waits a second to try again. Linux caps it at `net.core.somaxconn`.
    public var backlog: Int

    public init(host: String = "127.0.0.1", port: Int, backlog: Int = 4096) {
        self.host = host
        self.port = port
        self.backlog = backlog
    }

    /// `HTTP_HOST`, `HTTP_PORT` and `HTTP_BACKLOG`; each service has its own default port.
    public init(_ values: ConfigurationValues, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: values.string("HTTP_HOST", default: "127.0.0.1"),
            port: try values.int("HTTP_PORT", default: defaultPort, in: 0...65535),
            backlog: try values.int("HTTP_BACKLOG", default: 4096, in: 1...65535)
        )
    }

    /// The server's configuration, named `serverName`.
    public func application(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: serverName, backlog: self.backlog)
    }
}
