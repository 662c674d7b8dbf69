import Auth
import ChatModels
import EventBus
import Foundation
import PostgresNIO
import Redis
import ServiceConfiguration
import ServiceKit

/// Everything the Messages service reads from its environment, read once at start.
public struct MessagesConfiguration: ServiceConfigurationProtocol {
    public var http: HTTPSettings
    public var database: DatabaseSettings
    public var redis: RedisConfiguration
    public var auth: AuthSettings
    public var sessions: SessionSettings
    public var mail: MailSettings
    public var limits: MessageLimits
    /// bcrypt's work factor for passwords (each step doubles a hash's cost); tests use 4.
    public var bcryptCost: Int
    /// Hashes running or waiting at once; past it sign-ins and sign-ups get a 503.
    public var bcryptQueue: Int
    public var authThrottle: AuthThrottleSettings
    /// Whether anyone may sign up as an expert; closed, experts are made with
    /// `messages set-role EMAIL expert`.
    public var openExpertSignup: Bool
    /// Who may open a conversation with whom.
    public var contactPolicy: ContactPolicy
    /// Whether the experts directory lists only verified experts.
    public var verifiedExpertsOnly: Bool
    public var commands: StreamConsumerSettings
    /// How long a send's `clientMessageId` is remembered: sent again within it, the message
    /// is stored once and the first is answered.
    public var resendWindow: Duration
    /// The streams of commands, consumed alike: the one gateways append to, and the calls'
    /// lines (tests use streams of their own).
    public var commandStreams: [String] = [CommandStream.key, CommandStream.callsKey]
    public var logLevel: Logger.Level

    public init(
        http: HTTPSettings = HTTPSettings(port: Self.port),
        database: DatabaseSettings,
        redis: RedisConfiguration = RedisConfiguration(),
        auth: AuthSettings,
        sessions: SessionSettings = SessionSettings(),
        mail: MailSettings = MailSettings(),
        limits: MessageLimits = MessageLimits(),
        bcryptCost: Int = Self.bcryptCost.defaultValue,
        bcryptQueue: Int = Self.bcryptQueue.defaultValue,
        authThrottle: AuthThrottleSettings = AuthThrottleSettings(),
        openExpertSignup: Bool = Self.openExpertSignup.defaultValue,
        contactPolicy: ContactPolicy = ContactPolicy.setting.defaultValue,
        verifiedExpertsOnly: Bool = Self.verifiedExpertsOnly.defaultValue,
        commands: StreamConsumerSettings = StreamConsumerSettings(),
        resendWindow: Duration = Self.resendWindow.defaultValue,
        logLevel: Logger.Level = Setting.logLevel.defaultValue
    ) {
        self.http = http
        self.database = database
        self.redis = redis
        self.auth = auth
        self.sessions = sessions
        self.mail = mail
        self.limits = limits
        self.bcryptCost = bcryptCost
        self.bcryptQueue = bcryptQueue
        self.authThrottle = authThrottle
        self.openExpertSignup = openExpertSignup
        self.contactPolicy = contactPolicy
        self.verifiedExpertsOnly = verifiedExpertsOnly
        self.commands = commands
        self.resendWindow = resendWindow
        self.logLevel = logLevel
    }

    public static let port = 8081
    public static let bcryptCost = Setting.int(
        "BCRYPT_COST",
        default: 10,
        in: 4...31,
        help: "bcrypt's work factor for passwords: each step doubles a hash's cost"
    )
    public static let bcryptQueue = Setting.int(
        "BCRYPT_QUEUE",
        default: 64,
        in: 1...100_000,
        help: "password hashes running or waiting at once; past it sign-ins and sign-ups get a retryable 503"
    )
    public static let openExpertSignup = Setting.choice(
        "EXPERT_SIGNUP",
        default: "open",
        ["open": true, "closed": false],
        help: "`closed` refuses sign-ups as an expert (403 `expert_signup_closed`); `messages set-role EMAIL expert` makes one"
    )

    public static let verifiedExpertsOnly = Setting.choice(
        "EXPERT_DIRECTORY",
        default: "all",
        ["all": false, "verified": true],
        help:
            "`verified` lists only the experts an admin has verified (`PUT /api/admin/users/{id}/verified`, `messages set-role EMAIL expert --verified`)"
    )

    public static let resendWindow = Setting.seconds(
        "RESEND_WINDOW",
        default: .seconds(7 * 86_400),
        help:
            "how long a send's `clientMessageId` is remembered: sent again within it, the message is stored once and the first is answered (a day suffices for clients that retry within minutes)"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            http: try HTTPSettings(values, defaultPort: Self.port),
            database: try DatabaseSettings(values),
            redis: try RedisConfiguration(values),
            auth: try AuthSettings(values),
            sessions: try SessionSettings(values),
            mail: try MailSettings(values),
            limits: try MessageLimits(values),
            bcryptCost: try values.read(Self.bcryptCost),
            bcryptQueue: try values.read(Self.bcryptQueue),
            authThrottle: try AuthThrottleSettings(values),
            openExpertSignup: try values.read(Self.openExpertSignup),
            contactPolicy: try values.read(ContactPolicy.setting),
            verifiedExpertsOnly: try values.read(Self.verifiedExpertsOnly),
            commands: try StreamConsumerSettings(values),
            resendWindow: try values.read(Self.resendWindow),
            logLevel: try values.read(.logLevel)
        )
        self.commandStreams = CommandStream.keys(partitions: try values.read(CommandStream.partitions)) + [CommandStream.callsKey]
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
    /// Members one group may have.
    public var maxGroupMembers: Int
    /// How long after sending its sender may edit a message; nil: always.
    public var editWindow: Duration?
    /// Distinct emoji one message may carry.
    public var maxReactionsPerMessage: Int

    public init(
        maxContentLength: Int = Setting.maxMessageLength.defaultValue,
        maxPageSize: Int = 200,
        maxPageBytes: Int = Self.maxPageBytes.defaultValue,
        maxParticipants: Int = 100,
        conversationsPerHour: Int = Self.conversationsPerHour.defaultValue,
        maxGroupMembers: Int = Self.maxGroupMembers.defaultValue,
        editWindow: Duration? = Self.editWindow.defaultValue,
        maxReactionsPerMessage: Int = Self.maxReactionsPerMessage.defaultValue
    ) {
        self.maxContentLength = maxContentLength
        self.maxPageSize = maxPageSize
        self.maxPageBytes = maxPageBytes
        self.maxParticipants = maxParticipants
        self.conversationsPerHour = conversationsPerHour
        self.maxGroupMembers = maxGroupMembers
        self.editWindow = editWindow
        self.maxReactionsPerMessage = maxReactionsPerMessage
    }

    public static let maxPageBytes = Setting.int(
        "MAX_PAGE_BYTES",
        default: 256 * 1024,
        in: 1024...(64 << 20),
        help: "about how much one page of history (`…/messages`, `…/changes`, `sync_conversation`) holds; past it, `hasMore`"
    )
    public static let conversationsPerHour = Setting.int(
        "CONVERSATIONS_PER_HOUR",
        default: 60,
        in: 1...1_000_000,
        help: "new conversations one user may start in an hour (opening an existing direct one is free); past it 429"
    )
    public static let maxGroupMembers = Setting.int(
        "GROUP_MAX_MEMBERS",
        default: 256,
        in: 3...100_000,
        help: "members one group may have (its creator included); past it, 409 `group_full`"
    )
    public static let editWindow = Setting<Duration?>.seconds(
        "MESSAGE_EDIT_WINDOW",
        default: .seconds(15 * 60),
        zero: "always",
        help: "how long after sending its sender may edit a message; later, 403 `edit_window_passed`"
    )
    public static let maxReactionsPerMessage = Setting.int(
        "MAX_REACTIONS_PER_MESSAGE",
        default: 20,
        in: 1...1000,
        help: "different emoji one message may carry; past it, 409 `too_many_reactions`"
    )

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        self.init(
            maxContentLength: try values.read(.maxMessageLength),
            maxPageBytes: try values.read(Self.maxPageBytes),
            conversationsPerHour: try values.read(Self.conversationsPerHour),
            maxGroupMembers: try values.read(Self.maxGroupMembers),
            editWindow: try values.read(Self.editWindow),
            maxReactionsPerMessage: try values.read(Self.maxReactionsPerMessage)
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
    /// Connections that store sends, on top of `poolSize` (see `sendClientConfiguration`).
    public var sendPoolSize = Self.sendPoolSize.defaultValue
    public var queryTimeout: Duration
    /// A streaming replica for reads (`DATABASE_READ_URL`), same user, pool size and timeout.
    var readReplica: Location?

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        poolSize: Int = Self.poolSize.defaultValue,
        queryTimeout: Duration = Self.queryTimeout.defaultValue
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.queryTimeout = queryTimeout
    }

    /// Where Postgres is and who connects.
    public struct Location: Sendable {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var database: String

        init(host: String, port: Int, username: String, password: String?, database: String) {
            (self.host, self.port, self.username, self.password, self.database) = (host, port, username, password, database)
        }

        /// `postgres://user[:password]@host[:port]/database`.
        init?(url: String) {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
                let host = components.host, let username = components.user
            else { return nil }
            let database = String(components.path.drop { $0 == "/" })
            self.host = host
            self.port = components.port ?? 5432
            self.username = username
            self.password = components.password?.removingPercentEncoding
            self.database = database.isEmpty ? username : database
        }
    }

    public static let url = Setting<Location>(
        "DATABASE_URL",
        default: Location(url: "postgres://chat@127.0.0.1:5432/chat")!,
        defaultText: "`postgres://chat@127.0.0.1:5432/chat`",
        accepts: "a postgres://user[:password]@host[:port]/database URL",
        help: "the Postgres that holds users, conversations and messages"
    ) { Location(url: $0) }
    public static let readURL = Setting<Location?>(
        "DATABASE_READ_URL",
        default: nil,
        defaultText: "none (reads on `DATABASE_URL`)",
        accepts: "a postgres://user[:password]@host[:port]/database URL",
        help:
            "a streaming replica of it for history, search and the directory; a read it has not replayed far enough for, or any while it is down, goes to the primary"
    ) { Location(url: $0).map { .some($0) } }
    public static let poolSize = Setting.int("DB_POOL_SIZE", default: 10, in: 1...500, help: "connections to Postgres held at most")
    public static let sendPoolSize = Setting.int(
        "DB_SEND_POOL_SIZE",
        default: 4,
        in: 1...100,
        help:
            "connections to Postgres that store sends, on top of DB_POOL_SIZE: a command stream's consumer holds one while it stores a batch, so keep it above COMMAND_STREAM_PARTITIONS + 1"
    )
    public static let queryTimeout = Setting.seconds("DB_TIMEOUT", default: .seconds(5), help: "how long a request may wait for the database")

    public init(_ values: ConfigurationValues) throws(ConfigurationError) {
        let location = try values.read(Self.url)
        self.init(
            host: location.host,
            port: location.port,
            username: location.username,
            password: location.password,
            database: location.database,
            poolSize: try values.read(Self.poolSize),
            queryTimeout: try values.read(Self.queryTimeout)
        )
        self.readReplica = try values.read(Self.readURL)
        self.sendPoolSize = try values.read(Self.sendPoolSize)
    }

    var clientConfiguration: PostgresClient.Configuration {
        self.clientConfiguration(
            Location(host: self.host, port: self.port, username: self.username, password: self.password, database: self.database)
        )
    }

    /// The send path's: its statements are prepared (`InsertBatch`), and a prepared
    /// statement's kept plan is made from the statistics of the moment. These connections
    /// plan without sequential scans, so that a table that was empty then (`message_keys` on
    /// a new deployment) is still read through its index once it has grown, and without a
    /// custom plan for each batch, which is the planning the statements are prepared to save.
    var sendClientConfiguration: PostgresClient.Configuration {
        var configuration = self.clientConfiguration
        configuration.options.maximumConnections = self.sendPoolSize
        configuration.options.additionalStartupParameters = [("enable_seqscan", "off"), ("plan_cache_mode", "force_generic_plan")]
        return configuration
    }

    /// The replica's, if there is one: it must answer a connection within a second, or the
    /// primary serves the read.
    var replicaClientConfiguration: PostgresClient.Configuration? {
        self.readReplica.map { location in
            var configuration = self.clientConfiguration(location)
            configuration.options.connectTimeout = .seconds(1)
            return configuration
        }
    }

    private func clientConfiguration(_ location: Location) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: location.host,
            port: location.port,
            username: location.username,
            password: location.password,
            database: location.database,
            tls: .disable
        )
        configuration.options.maximumConnections = self.poolSize
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }
}
