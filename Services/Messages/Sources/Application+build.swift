import Auth
import EventBus
import Hummingbird
import Logging
import Mail
import NIOPosix
import PostgresNIO
import Redis
import ServiceClients
import ServiceConfiguration
import ServiceKit
import ServiceLifecycle

/// The Messages service: users, conversations and messages in Postgres, behind a JSON API
/// that the gateway routes to, with every change announced on the Redis bus.
public func buildApplication(configuration: MessagesConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "messages")
    logger.logLevel = configuration.logLevel
    let metrics = ServiceMetrics()
    let postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
    let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    let sendPool = PostgresClient(configuration: configuration.database.sendClientConfiguration, backgroundLogger: logger)
    let replica = configuration.database.replicaClientConfiguration.map { PostgresClient(configuration: $0, backgroundLogger: logger) }
    var database = Database(client: postgres, queryTimeout: configuration.database.queryTimeout, logger: logger)
    database.replica = replica.map {
        ReadReplica(client: $0, timeout: configuration.database.queryTimeout / 2, metrics: metrics, logger: logger)
    }
    let tokens = await TokenAuthority(settings: configuration.auth)
    let revocations = RevocationFeed(redis: redis, tokens: tokens, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)

    let users = UserStore(database: database)
    let conversations = ConversationStore(database: database)
    let messages = MessageStore(
        database: database,
        sends: Database(client: sendPool, queryTimeout: configuration.database.queryTimeout, logger: logger)
    )
    let events = MessageEvents(bus: ChatBus(redis: redis), logger: logger)

    let router = ServiceRouter.make(
        metrics: metrics,
        checks: [ReadinessCheck("postgres") { try await postgres.query("SELECT 1") }, ReadinessCheck("redis", redis.ping), .revocations(tokens)]
    )

    let api = router.group(RouterPath(MessagesAPI.authGroup))
    let authenticated = api.group().add(middleware: AuthMiddleware(tokens: tokens))
    let chat = router.group(RouterPath(MessagesAPI.chatGroup)).add(middleware: AuthMiddleware(tokens: tokens))
    let sessions = SessionStore(database: database, settings: configuration.sessions)
    let hasher = PasswordHasher(cost: configuration.bcryptCost, maxPending: configuration.bcryptQueue)
    let throttle = AuthThrottle(redis: redis, settings: configuration.authThrottle, logger: logger)
    let (bell, wakeUps) = MailBell.make()
    let templates = MailTemplates(settings: configuration.mail)
    let verification = EmailVerification(
        required: configuration.mail.verificationRequired,
        database: database,
        users: users,
        templates: templates,
        bell: bell,
        throttle: throttle
    )
    verification.register(public: api, authenticated: authenticated)
    let unsubscribe = UnsubscribeToken(secret: configuration.auth.jwtSecret)
    EmailPreferences(users: users, unsubscribe: unsubscribe).register(public: api, authenticated: authenticated)
    AuthController(
        users: users,
        sessions: sessions,
        tokens: tokens,
        hasher: hasher,
        throttle: throttle,
        revocations: revocations,
        verification: verification,
        openExpertSignup: configuration.openExpertSignup
    ).register(public: api, authenticated: authenticated)
    PasswordController(
        users: users,
        sessions: sessions,
        resets: PasswordResets(database: database, lifetime: configuration.mail.resetLifetime),
        hasher: hasher,
        throttle: throttle,
        revocations: revocations,
        templates: templates,
        bell: bell
    ).register(public: api, authenticated: authenticated)
    let blocks = BlockStore(database: database)
    let groups = GroupStore(database: database, maxMembers: configuration.limits.maxGroupMembers)
    ConversationController(
        users: users,
        conversations: conversations,
        groups: groups,
        blocks: blocks,
        events: events,
        limits: configuration.limits,
        policy: configuration.contactPolicy
    ).register(on: chat)
    let groupRoutes = GroupController(
        users: users,
        conversations: conversations,
        groups: groups,
        blocks: blocks,
        events: events,
        policy: configuration.contactPolicy
    )
    groupRoutes.register(on: chat)
    MessageController(conversations: conversations, messages: messages, events: events, limits: configuration.limits).register(on: chat)
    SearchController(search: MessageSearch(database: database)).register(on: chat)
    let internalGroup = router.group(RouterPath(MessagesAPI.internalGroup)).add(middleware: AuthMiddleware(tokens: tokens, accepting: .service))
    InternalController(conversations: conversations, attachments: AttachmentStore(database: database), blocks: blocks).register(on: internalGroup)
    groupRoutes.register(internal: internalGroup)
    BlocksController(blocks: blocks, events: events).register(on: authenticated)
    let reports = ReportStore(database: database)
    let moderation = Moderation(
        database: database,
        messages: messages,
        conversations: conversations,
        events: events,
        revocations: revocations,
        rules: configuration.limits.changeRules
    )
    AdminController(
        users: users,
        conversations: conversations,
        audit: AuditLog(database: database),
        reports: reports,
        moderation: moderation,
        events: events
    ).register(on: authenticated)
    ReportsController(reports: reports, users: users).register(on: authenticated)
    PeopleController(
        users: users,
        conversations: conversations,
        directory: ExpertDirectory(database: database, verifiedOnly: configuration.verifiedExpertsOnly),
        online: OnlineUsers(redis: redis),
        events: events
    ).register(chat: chat, api: authenticated, service: internalGroup)

    // Each stream is read by a client of its own: a blocking read holds its connection.
    let streamClients = configuration.commandStreams.map { _ in
        RedisClient(configuration: configuration.redis, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }
    let consumers = zip(configuration.commandStreams, streamClients).map { stream, client in
        CommandConsumer(
            stream: StreamConsumer(redis: client, stream: stream, group: CommandStream.group, settings: configuration.commands, logger: logger),
            bus: ChatBus(redis: redis),
            messages: messages,
            conversations: conversations,
            events: events,
            limits: configuration.limits,
            logger: logger
        )
    }
    // What reads or writes the schema waits for this start's migrations.
    let migrated = MigrationGate()
    var afterMigration: [any Service] =
        consumers + [
            MessageUpkeep(database: database, resendWindow: configuration.resendWindow, logger: logger),
            MissedMessageMailer(
                database: database,
                redis: redis,
                templates: templates,
                unsubscribe: unsubscribe,
                bell: bell,
                settings: configuration.mail,
                logger: logger
            ),
        ]
    if let smtp = configuration.mail.smtp {
        afterMigration.append(
            MailSender(
                outbox: MailOutbox(database: database, retryAfter: configuration.mail.retryAfter),
                client: try SMTPClient(settings: smtp),
                every: .seconds(min(5, max(1, configuration.mail.retryAfter.seconds))),
                wakeUps: wakeUps,
                logger: logger
            )
        )
    } else {
        logger.warning("SMTP_URL is not set: mail waits in the outbox until it is")
    }
    var services: [any Service] = [postgres, sendPool]
    services += replica.map { [$0] } ?? []
    services += [redis, revocations] + streamClients
    services += afterMigration.map { AfterMigration(gate: migrated, service: $0) }
    var app = Application(
        router: router,
        server: configuration.http.server,
        configuration: configuration.http.application(serverName: "messages"),
        services: services,
        logger: logger
    )
    app.beforeServerStarts { [logger] in
        try await migrateWhenReachable(postgres, logger: logger)
        migrated.open()
    }
    return app
}

/// Migrates, waiting with backoff for a Postgres that is still starting.
func migrateWhenReachable(_ postgres: PostgresClient, logger: Logger) async throws {
    var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5))
    while true {
        do {
            try await Migrator().migrate(postgres, logger: logger)
            return
        } catch {
            logger.warning("migrations could not run yet", metadata: ["error": "\(error)"])
            try await Task.sleep(for: backoff.next())
        }
    }
}
