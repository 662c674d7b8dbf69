import Auth
import EventBus
import Foundation
import Logging
import Redis
import ServiceClients
import ServiceConfiguration
import ServiceKit

/// Everything the gateway reads from its environment, read once at start.
public struct GatewayConfiguration: ServiceConfigurationProtocol {
    public var http: HTTPSettings
    public var upstreams: UpstreamSettings
    public var realtime: RealtimeSettings
    public var redis: RedisConfiguration
    /// The command streams sends and changes go to (`COMMAND_STREAM_PARTITIONS`).
    public var commandStreams: [String] = [CommandStream.key]
    public var auth: AuthSettings
    /// Origins of the web pages that may use the gateway from elsewhere (CORS, and the
    /// `Origin` of WebSocket upgrades); a page of the gateway's own origin needs none.
    public var corsOrigins: [String]
    /// The chat page's files (`Web/`), served at `/chat`; none there, no page.
    public var webRoot: String
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: Self.port),
        upstreams: UpstreamSettings = UpstreamSettings(),
        realtime: RealtimeSettings = RealtimeSettings(),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        corsOrigins: [String] = Self.corsOrigins.defaultValue,
        webRoot: String = Self.webRoot.defaultValue,
        logLevel: Logger.Level = Setting.logLevel.defaultValue
    ) {
        self.http = http
        self.upstreams = upstreams
        self.realtime = realtime
        self.redis = redis
        self.auth = auth
        self.corsOrigins = corsOrigins
        self.webRoot = webRoot
        self.logLevel = logLevel
    }

    public static let port = 8080
    public static let corsOrigins = Setting<[String]>(
        "CORS_ORIGINS",
        default: [],
        defaultText: "none",
        accepts: "comma-separated http(s)://host[:port] origins, without paths or wildcards",
        help: "origins whose pages may call the API and open sockets from elsewhere"
    ) { OriginPolicy.origins($0) }
    public static let webRoot = Setting.string(
        "WEB_ROOT",
        default: "Web",
        help: "the chat page's files, served at `/chat` (none there: `/chat` is a 404)"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: Self.port),
            upstreams: try UpstreamSettings(values),
            realtime: try RealtimeSettings(values),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            corsOrigins: try values.read(Self.corsOrigins),
            webRoot: try values.read(Self.webRoot),
            logLevel: try values.read(.logLevel)
        )
        self.commandStreams = CommandStream.keys(partitions: try values.read(CommandStream.partitions))
    }
}

/// Where the services behind the gateway are, and how long to wait for them.
public struct UpstreamSettings: Sendable {
    public var messages: URL
    public var presence: URL
    public var uploads: URL
    /// Getting a connection to a service, new or from the pool: AsyncHTTPClient bounds both
    /// with it. A burst of calls (a gateway's sockets rejoining their rooms after a restart)
    /// queues behind the pool's busy connections for longer than a connect takes, so it is
    /// as long as a response may take. A service that refuses connections is answered 503
    /// at once; one that cannot be reached, after this.
    public var connectTimeout: Duration
    /// Waiting for a response head, and the longest silence while streaming a body.
    public var timeout: Duration
    /// Waiting for the head of an upload's response, which comes after the whole body.
    public var uploadTimeout: Duration
    /// Addresses of the proxies in front (the load balancer), whose `X-Forwarded-For` is
    /// believed when telling the services where a request comes from.
    public var trustedProxies: Set<String>
    /// Each user's allowance of `/api/**` requests on this gateway: `requestBurst` at once,
    /// refilled at `requestsPerSecond` (uploads, sends and history reads alike).
    public var requestsPerSecond: Int
    public var requestBurst: Int

    public init(
        messages: URL = Self.messages.defaultValue,
        presence: URL = Self.presence.defaultValue,
        uploads: URL = Self.uploads.defaultValue,
        connectTimeout: Duration = Self.connectTimeout.defaultValue,
        timeout: Duration = Self.timeout.defaultValue,
        uploadTimeout: Duration = Self.uploadTimeout.defaultValue,
        trustedProxies: Set<String> = Set(Self.trustedProxies.defaultValue),
        requestsPerSecond: Int = Self.requestsPerSecond.defaultValue,
        requestBurst: Int = Self.requestBurst.defaultValue
    ) {
        self.messages = messages
        self.presence = presence
        self.uploads = uploads
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.uploadTimeout = uploadTimeout
        self.trustedProxies = trustedProxies
        self.requestsPerSecond = requestsPerSecond
        self.requestBurst = requestBurst
    }

    public static let messages = Setting.httpURL("MESSAGES_URL", default: MessagesAPI.defaultURL, help: "where the messages service listens")
    public static let presence = Setting.httpURL("PRESENCE_URL", default: "http://127.0.0.1:8082", help: "where the presence service listens")
    public static let uploads = Setting.httpURL("UPLOADS_URL", default: "http://127.0.0.1:8083", help: "where the uploads service listens")
    public static let connectTimeout = Setting.seconds(
        "UPSTREAM_CONNECT_TIMEOUT",
        default: .seconds(10),
        help: "getting a connection to a service, new or pooled; a refusing service is a 503 at once"
    )
    public static let timeout = Setting.seconds(
        "UPSTREAM_TIMEOUT",
        default: .seconds(10),
        help: "waiting for a service's answer, and its longest silence while streaming (also the gateway's own calls to messages)"
    )
    public static let uploadTimeout = Setting.seconds(
        "UPLOAD_TIMEOUT",
        default: .seconds(900),
        help: "waiting for an upload's answer, which comes after the whole body"
    )
    public static let trustedProxies = Setting.list(
        "TRUSTED_PROXIES",
        default: ["127.0.0.1", "::1"],
        accepts: "comma-separated addresses",
        help: "the proxies (haproxy) whose `X-Forwarded-For` names the client, told to the services as `X-Client-Address`"
    )
    public static let requestsPerSecond = Setting.int(
        "API_REQUESTS_PER_SECOND",
        default: 20,
        in: 1...1_000_000,
        help: "each signed-in user's `/api/**` requests a second on one gateway; past the burst, 429 `rate_limited`"
    )
    public static let requestBurst = Setting.int(
        "API_BURST",
        default: 60,
        in: 1...1_000_000,
        help: "each signed-in user's `/api/**` requests at once on one gateway"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            messages: try values.read(Self.messages),
            presence: try values.read(Self.presence),
            uploads: try values.read(Self.uploads),
            connectTimeout: try values.read(Self.connectTimeout),
            timeout: try values.read(Self.timeout),
            uploadTimeout: try values.read(Self.uploadTimeout),
            trustedProxies: Set(try values.read(Self.trustedProxies)),
            requestsPerSecond: try values.read(Self.requestsPerSecond),
            requestBurst: try values.read(Self.requestBurst)
        )
    }
}
