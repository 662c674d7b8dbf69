import Logging
import Redis
import ServiceKit

/// Everything the Presence service reads from its environment, read once at start.
public struct PresenceConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    public var logLevel: Logger.Level

    public init(http: HTTPSettings = HTTPSettings(port: 8082), redis: RedisConfiguration = RedisConfiguration(), auth: AuthSettings, logLevel: Logger.Level = .info) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.logLevel = logLevel
    }

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: 8082),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            logLevel: try values.logLevel()
        )
    }
}
