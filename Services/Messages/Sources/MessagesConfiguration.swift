import ChatModels
import EventBus
import Foundation
import PostgresNIO
import Redis
import ServiceConfiguration
import ServiceKit

/// Everything the Messages service reads from its environment, read once at start.
public struct MessagesConfiguration: Sendable {
    public var http: HTTPSettings
    public var database: DatabaseSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    public var limits: MessageLimits
    /// bcrypt's work factor for passwords (each step doubles a hash's cost); tests use 4.
    public var bcryptCost: Int
    /// Hashes running or waiting at once; past it sign-ins and sign-ups get a 503.
    public var bcryptQueue: Int
    public var authThrottle: AuthThrottleSettings
    /// Whether anyone may sign up as an expert; closed, experts are made with
    /// `messages set-role EMAIL expert`.
    public var openExpertSignup: Bool
    public var commands: StreamConsumerSettings
    /// The stream gateways append commands to (tests use one of their own).
    public var commandStream: String = CommandStream.key
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: 8081),
        database: DatabaseSettings,
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        limits: MessageLimits = MessageLimits(),
        bcryptCost: Int = 10,
        bcryptQueue: Int = 64,
        authThrottle: AuthThrottleSettings = AuthThrottleSettings(),
        openExpertSignup: Bool = true,
        commands: StreamConsumerSettings = StreamConsumerSettings(),
        logLevel: Logger.Level = .info
    ) {
        self.http = http
        self.database = database
        self.redis = redis
        self.auth = auth
        self.limits = limits
        self.bcryptCost = bcryptCost
        self.bcryptQueue = bcryptQueue
        self.authThrottle = authThrottle
        self.openExpertSignup = openExpertSignup
        self.commands = commands
        self.logLevel = logLevel
    }

    /// `EXPERT_SIGNUP`: `open` (the default) or `closed`.
    static func expertSignup(_ values: ConfigurationValues) throws(ConfigurationError) -> Bool {
        switch values.string("EXPERT_SIGNUP", default: "open") {
        case "open": return true
        case "closed": return false
        default: throw .invalid("EXPERT_SIGNUP", "open or closed")
        }
    }

    /// Also `BCRYPT_COST`, `BCRYPT_QUEUE` and `EXPERT_SIGNUP`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: 8081),
            database: try DatabaseSettings(values),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            limits: try MessageLimits(values),
            bcryptCost: try values.int("BCRYPT_COST", default: 10, in: 4...31),
            bcryptQueue: try values.int("BCRYPT_QUEUE", default: 64, in: 1...100_000),
            authThrottle: try AuthThrottleSettings(values),
            openExpertSignup: try Self.expertSignup(values),
            commands: try StreamConsumerSettings(values),
            logLevel: try values.logLevel()
        )
    }
}

/// Bounds on what clients may store.
public struct MessageLimits: Sendable {
    /// Characters in one message.
    public var maxContentLength: Int
    /// Messages in one page of history.
    public var maxPageSize: Int
    /// About how many bytes of messages one page of history holds (a page has at least one).
    public var maxPageBytes: Int
    /// Other participants in one conversation.
    public var maxParticipants: Int
    /// Conversations one user may start in an hour.
    public var conversationsPerHour: Int
    /// How long after sending its sender may edit a message; nil: always.
    public var editWindow: Duration?
    /// Distinct emoji one message may carry.
    public var maxReactionsPerMessage: Int

    public init(
        maxContentLength: Int = MessageRules.defaultMaxContentLength,
        maxPageSize: Int = 200,
        maxPageBytes: Int = 256 * 1024,
        maxParticipants: Int = 100,
        conversationsPerHour: Int = 60,
        editWindow: Duration? = .seconds(15 * 60),
        maxReactionsPerMessage: Int = 20
    ) {
        self.maxContentLength = maxContentLength
        self.maxPageSize = maxPageSize
        self.maxPageBytes = maxPageBytes
        self.maxParticipants = maxParticipants
        self.conversationsPerHour = conversationsPerHour
        self.editWindow = editWindow
        self.maxReactionsPerMessage = maxReactionsPerMessage
    }

    /// `MAX_MESSAGE_LENGTH`, `MAX_PAGE_BYTES`, `CONVERSATIONS_PER_HOUR`, `MESSAGE_EDIT_WINDOW`
    /// (seconds, 0: always), `MAX_REACTIONS_PER_MESSAGE`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let editWindow = try values.int("MESSAGE_EDIT_WINDOW", default: 15 * 60, in: 0...(100 * 365 * 86_400))
        self.init(
            maxContentLength: try values.int("MAX_MESSAGE_LENGTH", default: MessageRules.defaultMaxContentLength, in: 1...1_000_000),
            maxPageBytes: try values.int("MAX_PAGE_BYTES", default: 256 * 1024, in: 1024...(64 << 20)),
            conversationsPerHour: try values.int("CONVERSATIONS_PER_HOUR", default: 60, in: 1...1_000_000),
            editWindow: editWindow == 0 ? nil : .seconds(editWindow),
            maxReactionsPerMessage: try values.int("MAX_REACTIONS_PER_MESSAGE", default: 20, in: 1...1000)
        )
    }

    var changeRules: ChangeRules {
        ChangeRules(editWindow: self.editWindow, maxReactionsPerMessage: self.maxReactionsPerMessage)
    }
}

/// Where Postgres is (`DATABASE_URL`), how many connections to hold and how long a request may wait for it.
public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var poolSize: Int
    public var queryTimeout: Duration

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        poolSize: Int = 10,
        queryTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.queryTimeout = queryTimeout
    }

    /// `DATABASE_URL` (`postgres://user[:password]@host[:port]/database`), `DB_POOL_SIZE`, `DB_TIMEOUT`.
    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let url = values.string("DATABASE_URL", default: "postgres://chat@127.0.0.1:5432/chat")
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let username = components.user
        else {
            throw .invalid("DATABASE_URL", "a postgres://user[:password]@host[:port]/database URL")
        }
        let database = String(components.path.drop { $0 == "/" })
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: username,
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? username : database,
            poolSize: try values.int("DB_POOL_SIZE", default: 10, in: 1...500),
            queryTimeout: try values.seconds("DB_TIMEOUT", default: .seconds(5))
        )
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: .disable
        )
        configuration.options.maximumConnections = self.poolSize
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }
}
