import Auth
import EventBus
import Foundation
import Logging
import Redis
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// Everything the Uploads service reads from its environment, read once at start.
public struct UploadsConfiguration: ServiceConfigurationProtocol {
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
    /// The command streams its messages go to (`COMMAND_STREAM_PARTITIONS`).
    public var commandStreams: [String] = [CommandStream.key]
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: Self.port),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        directory: String,
        maxUploadBytes: Int64 = Int64(Self.maxUploadBytes.defaultValue),
        maxAvatarBytes: Int64 = Int64(Self.maxAvatarBytes.defaultValue),
        messages: ServiceEndpoint = .messages(timeout: Self.messagesTimeout),
        orphanGrace: Duration = Self.orphanGrace.defaultValue,
        sweepEvery: Duration = Self.sweepEvery.defaultValue,
        sendTimeout: Duration = Self.sendTimeout.defaultValue,
        instanceID: String = "uploads-" + UUID().uuidString.prefix(8).lowercased(),
        logLevel: Logger.Level = Setting.logLevel.defaultValue
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

    public static let port = 8083
    public static let messagesTimeout = Duration.seconds(5)
    public static let directory = Setting.string("UPLOADS_DIR", default: ".state/uploads", help: "where files are kept; instances may share it")
    public static let maxUploadBytes = Setting.int(
        "UPLOAD_MAX_BYTES",
        default: 50 << 20,
        in: 1...(1 << 40),
        help: "the largest file accepted (413 past it, and nothing is left on disk)"
    )
    public static let maxAvatarBytes = Setting.int("AVATAR_MAX_BYTES", default: 1 << 20, in: 1...(64 << 20), help: "the largest profile picture")
    public static let orphanGrace = Setting.seconds(
        "UPLOAD_ORPHAN_GRACE",
        default: .seconds(3600),
        help: "how long a file may wait for a message (or a profile) to refer to it before it is swept"
    )
    public static let sweepEvery = Setting.seconds("UPLOAD_SWEEP_EVERY", default: .seconds(600), help: "how often unreferenced files are looked for")
    public static let sendTimeout = Setting.seconds(
        "SEND_TIMEOUT",
        default: .seconds(5),
        help: "how long an upload waits for its message to be stored; below the gateway's `UPSTREAM_TIMEOUT`"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: Self.port),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            directory: try values.read(Self.directory),
            maxUploadBytes: Int64(try values.read(Self.maxUploadBytes)),
            maxAvatarBytes: Int64(try values.read(Self.maxAvatarBytes)),
            messages: try ServiceEndpoint(values, service: "messages", url: MessagesAPI.defaultURL, timeout: Self.messagesTimeout),
            orphanGrace: try values.read(Self.orphanGrace),
            sweepEvery: try values.read(Self.sweepEvery),
            sendTimeout: try values.read(Self.sendTimeout),
            logLevel: try values.read(.logLevel)
        )
        self.commandStreams = CommandStream.keys(partitions: try values.read(CommandStream.partitions))
    }
}
