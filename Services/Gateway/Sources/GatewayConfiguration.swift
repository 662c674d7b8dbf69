import EventBus
import Foundation
import Logging
import Redis
import ServiceConfiguration
import ServiceKit

/// Everything the gateway reads from its environment, read once at start.
public struct GatewayConfiguration: Sendable {
    public var http: HTTPSettings
    public var upstreams: UpstreamSettings
    public var realtime: RealtimeSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    /// Origins of the web pages that may use the gateway from elsewhere (CORS, and the
    /// `Origin` of WebSocket upgrades); a page of the gateway's own origin needs none.
    public var corsOrigins: [String]
    /// The chat page's files (`Web/`), served at `/chat`; none there, no page.
    public var webRoot: String
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: 8080),
        upstreams: UpstreamSettings = UpstreamSettings(),
        realtime: RealtimeSettings = RealtimeSettings(),
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        corsOrigins: [String] = [],
        webRoot: String = "Web",
        logLevel: Logger.Level = .info
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

    /// Also `CORS_ORIGINS`: comma-separated `http(s)://host[:port]`; `WEB_ROOT` (`Web`).
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        guard let origins = OriginPolicy.origins(values.string("CORS_ORIGINS", default: "")) else {
            throw .invalid("CORS_ORIGINS", "comma-separated http(s)://host[:port] origins, without paths or wildcards")
        }
        self.init(
            http: try HTTPSettings(values, defaultPort: 8080),
            upstreams: try UpstreamSettings(values),
            realtime: try RealtimeSettings(values),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            corsOrigins: origins,
            webRoot: values.string("WEB_ROOT", default: "Web"),
            logLevel: try values.logLevel()
        )
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
        messages: URL = URL(string: "http://127.0.0.1:8081")!,
        presence: URL = URL(string: "http://127.0.0.1:8082")!,
        uploads: URL = URL(string: "http://127.0.0.1:8083")!,
        connectTimeout: Duration = .seconds(10),
        timeout: Duration = .seconds(10),
        uploadTimeout: Duration = .seconds(900),
        trustedProxies: Set<String> = ["127.0.0.1", "::1"],
        requestsPerSecond: Int = 20,
        requestBurst: Int = 60
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

    /// `MESSAGES_URL`, `PRESENCE_URL`, `UPLOADS_URL`, `UPSTREAM_CONNECT_TIMEOUT`, `UPSTREAM_TIMEOUT`, `UPLOAD_TIMEOUT`,
    /// `TRUSTED_PROXIES` (comma-separated addresses), `API_REQUESTS_PER_SECOND`, `API_BURST`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            messages: try values.httpURL("MESSAGES_URL", default: "http://127.0.0.1:8081"),
            presence: try values.httpURL("PRESENCE_URL", default: "http://127.0.0.1:8082"),
            uploads: try values.httpURL("UPLOADS_URL", default: "http://127.0.0.1:8083"),
            connectTimeout: try values.seconds("UPSTREAM_CONNECT_TIMEOUT", default: .seconds(10)),
            timeout: try values.seconds("UPSTREAM_TIMEOUT", default: .seconds(10)),
            uploadTimeout: try values.seconds("UPLOAD_TIMEOUT", default: .seconds(900)),
            trustedProxies: Set(values.list("TRUSTED_PROXIES", default: "127.0.0.1,::1")),
            requestsPerSecond: try values.int("API_REQUESTS_PER_SECOND", default: 20, in: 1...1_000_000),
            requestBurst: try values.int("API_BURST", default: 60, in: 1...1_000_000)
        )
    }
}
