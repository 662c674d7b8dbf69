import EventBus
import Foundation
import Logging
import Redis
import ServiceConfiguration
import ServiceKit

/// Everything the Uploads service reads from its environment, read once at start.
public struct UploadsConfiguration: Sendable {
    public var http: HTTPSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    /// Where files live; several instances may share it.
    public var directory: String
    /// The largest file accepted.
    public var maxUploadBytes: Int64
    /// The largest profile picture accepted: a picture shown small needs little.
    public var maxAvatarBytes: Int64
    /// Where messages is: membership and attachment records.
    public var messages: ServiceEndpoint
    /// How long a file may wait for its message before cleanup removes it.
    public var orphanGrace: Duration
    public var sweepEvery: Duration
    /// How long an upload waits for its message to be stored: less than the gateway's
    /// `UPSTREAM_TIMEOUT` (10 s), the silence after which it answers 504 itself, so the
    /// client gets this service's retryable error naming the `clientMessageId`.
    public var sendTimeout: Duration
    /// This instance's name on the bus.
    public var instanceID: String
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: 8083),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        directory: String,
        maxUploadBytes: Int64 = 50 << 20,
        maxAvatarBytes: Int64 = 1 << 20,
        messages: ServiceEndpoint = ServiceEndpoint(url: URL(string: "http://127.0.0.1:8081")!, timeout: .seconds(5)),
        orphanGrace: Duration = .seconds(3600),
        sweepEvery: Duration = .seconds(600),
        sendTimeout: Duration = .seconds(5),
        instanceID: String = "uploads-" + UUID().uuidString.prefix(8).lowercased(),
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.redis = redis
        self.auth = auth
        self.directory = directory
        self.maxUploadBytes = maxUploadBytes
        self.maxAvatarBytes = maxAvatarBytes
        self.messages = messages
        self.orphanGrace = orphanGrace
        self.sweepEvery = sweepEvery
        self.sendTimeout = sendTimeout
        self.instanceID = instanceID
        self.logLevel = logLevel
    }

    /// `UPLOADS_DIR` (`.state/uploads`), `UPLOAD_MAX_BYTES`, `AVATAR_MAX_BYTES`, `MESSAGES_URL`, `MESSAGES_TIMEOUT`,
    /// `UPLOAD_ORPHAN_GRACE`, `UPLOAD_SWEEP_EVERY` and `SEND_TIMEOUT` (seconds).
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: 8083),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            directory: values.string("UPLOADS_DIR", default: ".state/uploads"),
            maxUploadBytes: Int64(try values.int("UPLOAD_MAX_BYTES", default: 50 << 20, in: 1...(1 << 40))),
            maxAvatarBytes: Int64(try values.int("AVATAR_MAX_BYTES", default: 1 << 20, in: 1...(64 << 20))),
            messages: try ServiceEndpoint(values, prefix: "MESSAGES", url: "http://127.0.0.1:8081", timeout: .seconds(5)),
            orphanGrace: try values.seconds("UPLOAD_ORPHAN_GRACE", default: .seconds(3600)),
            sweepEvery: try values.seconds("UPLOAD_SWEEP_EVERY", default: .seconds(600)),
            sendTimeout: try values.seconds("SEND_TIMEOUT", default: .seconds(5)),
            logLevel: try values.logLevel()
        )
    }
}
