import Redis
import ServiceConfiguration

extension RedisConfiguration {
    public static let url = Setting<RedisConfiguration>(
        "REDIS_URL",
        default: RedisConfiguration(),
        defaultText: "`redis://127.0.0.1:6379`",
        accepts: "a redis://host:port[/db] URL",
        help: "the Redis every service shares"
    ) { try? RedisConfiguration(url: $0) }

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self = try values.read(Self.url)
    }
}
