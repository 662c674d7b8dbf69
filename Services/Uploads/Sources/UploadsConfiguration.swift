import Logging
import Redis
import ServiceKit

/// Everything the Uploads service reads from its environment, read once at start.
public struct UploadsConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    /// Where files live; several instances may share it.
    public var directory: String
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: 8083),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        directory: String,
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.directory = directory
        self.logLevel = logLevel
    }

    /// `UPLOADS_DIR`, `.state/uploads` under the working directory by default.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: 8083),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            directory: values.string("UPLOADS_DIR", default: ".state/uploads"),
            logLevel: try values.logLevel()
        )
    }
}
