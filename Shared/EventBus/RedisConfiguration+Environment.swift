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
    ) { Self.nodes($0) }

    public static let sentinelsSetting = Setting<[RedisNodeAddress]>(
        "REDIS_SENTINELS",
        default: [],
        defaultText: "none",
        accepts: "host:port addresses separated by commas",
        help: "Redis Sentinels to ask for the master (`REDIS_SENTINEL_MASTER`), again after every disconnection: failover without shards"
    ) { Self.nodes($0) }

    public static let sentinelMasterSetting = Setting<String>(
        "REDIS_SENTINEL_MASTER",
        default: "mymaster",
        defaultText: "`mymaster`",
        accepts: "the name the sentinels monitor the master by",
        help: "with `REDIS_SENTINELS`: which master to ask them for"
    ) { $0.isEmpty || $0.utf8.count > 200 ? nil : $0 }

    static func nodes(_ text: String) -> [RedisNodeAddress]? {
        let nodes = text.split(separator: ",").map { RedisNodeAddress($0.filter { !$0.isWhitespace }) }
        guard !nodes.isEmpty, !nodes.contains(nil) else { return nil }
        return nodes.compactMap { $0 }
    }

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self = try values.read(Self.url)
        self.clusterNodes = try values.read(Self.clusterNodesSetting)
        self.sentinels = try values.read(Self.sentinelsSetting)
        self.sentinelMaster = try values.read(Self.sentinelMasterSetting)
        if self.isCluster {
            guard self.sentinels.isEmpty else { throw .invalid("REDIS_SENTINELS", "unset with REDIS_CLUSTER_NODES (a cluster fails over by itself)") }
            self.database = 0
        }
    }
}
