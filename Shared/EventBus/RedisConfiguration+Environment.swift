import Redis
import ServiceConfiguration

extension RedisConfiguration {
    public static let url = Setting<RedisConfiguration>(
        "REDIS_URL",
        default: RedisConfiguration(),
        defaultText: "`redis://127.0.0.1:6379`",
        accepts: "a redis://host:port[/db] URL",
        help: "the Redis every service shares (with `REDIS_CLUSTER_NODES` set, only its password is used)"
    ) { try? RedisConfiguration(url: $0) }

    public static let clusterNodesSetting = Setting<[RedisNodeAddress]>(
        "REDIS_CLUSTER_NODES",
        default: [],
        defaultText: "none (one Redis, `REDIS_URL`)",
        accepts: "host:port addresses separated by commas",
        help: "some nodes of a Redis Cluster (7 or later) to learn its layout from: turns cluster mode on (sharded pub/sub)"
    ) { text in
        let nodes = text.split(separator: ",").map { RedisNodeAddress($0.filter { !$0.isWhitespace }) }
        guard !nodes.isEmpty, !nodes.contains(nil) else { return nil }
        return nodes.compactMap { $0 }
    }

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self = try values.read(Self.url)
        self.clusterNodes = try values.read(Self.clusterNodesSetting)
        if self.isCluster { self.database = 0 }
    }
}
