import EventBus
import Redis
import ServiceConfiguration
import Testing

@Suite struct RedisEnvironmentTests {
    @Test func redisURLDefaultsToTheLocalServerAndMustBeARedisURL() throws {
        #expect(try RedisConfiguration(ConfigurationValues([:])).port == 6379)
        #expect(try RedisConfiguration(ConfigurationValues(["REDIS_URL": "redis://cache:6390/2"])).port == 6390)
        #expect(throws: ConfigurationError.invalid("REDIS_URL", "a redis://host:port[/db] URL")) {
            try RedisConfiguration(ConfigurationValues(["REDIS_URL": "localhost:6379"]))
        }
    }
}
