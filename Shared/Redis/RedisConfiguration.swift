import Foundation

/// Where Redis is and how long to wait for it, read from a `redis://[:password@]host[:port][/db]` URL.
/// With `clusterNodes` set the client speaks Redis Cluster instead: those nodes are where it
/// first learns the cluster's layout, and `host` and `port` are not used.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Some nodes of a Redis Cluster (any of them, masters or replicas): cluster mode when not empty.
    public var clusterNodes: [RedisNodeAddress] = []
    /// Redis Sentinels watching `sentinelMaster`: the master is whichever they name, asked
    /// again on every reconnect (a failover), in place of `host` and `port`.
    public var sentinels: [RedisNodeAddress] = []
    public var sentinelMaster = "mymaster"
    public var password: String?
    public var database: Int
    /// How long a connection attempt may take.
    public var connectTimeout: Duration
    /// How long a command waits for a reply (blocking commands add their own block time).
    public var commandTimeout: Duration
    /// How long a caller waits for a connection while the client reconnects.
    public var connectionWaitTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        connectionWaitTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.connectionWaitTimeout = connectionWaitTimeout
    }

    public var isCluster: Bool { !self.clusterNodes.isEmpty }

    public var hasSentinels: Bool { !self.sentinels.isEmpty }

    /// The same settings for one node of a cluster.
    func node(_ address: RedisNodeAddress) -> RedisConfiguration {
        var node = self
        node.host = address.host
        node.port = address.port
        node.database = 0
        return node
    }

    public init(url: String) throws(RedisConfigurationError) {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            throw RedisConfigurationError(url: url)
        }
        let path = components.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil else { throw RedisConfigurationError(url: url) }
        self.init(
            host: host,
            port: components.port ?? 6379,
            password: components.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding },
            database: Int(path) ?? 0
        )
    }
}

public struct RedisConfigurationError: Error, CustomStringConvertible {
    public let url: String
    public var description: String { "not a redis://host:port[/db] URL" }
}
