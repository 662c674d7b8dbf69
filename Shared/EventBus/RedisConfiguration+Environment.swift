import Redis
import ServiceConfiguration

extension RedisConfiguration {
    /// `REDIS_URL`, `redis://127.0.0.1:6379` by default.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let url = values.string("REDIS_URL", default: "redis://127.0.0.1:6379")
        do {
            self = try RedisConfiguration(url: url)
        } catch {
            throw .invalid("REDIS_URL", "a redis://host:port[/db] URL")
        }
    }
}
