import ChatModels
import ChatTestSupport
import Foundation
import JSONKit
import Logging
import MessagesTestSupport
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import MessagesApp

/// `messages` split by month of its time-ordered ids (migration 22), on a database of the
/// test's own that held messages from before.
@Suite struct MessagePartitionTests {
    @Test func timeOrderedIDsSortByTimeAndCarryVersionSeven() {
        let early = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000))
        let late = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000.002))
        #expect(early.uuid.6 >> 4 == 7 && early.uuid.8 >> 6 == 0b10)
        #expect(early.text() < late.text())
        // 1,800,000,000,000 ms is 0x01a3185c5000.
        #expect(early.text().hasPrefix("01a3185c-5000-7"))
        #expect(MessageIDs.stored(late) == late, "a time-ordered id is stored as it is")
        let random = UUID.random()
        let moved = MessageIDs.stored(random)
        #expect(moved.uuid.0 == 0 && moved.text().dropFirst(2) == random.text().dropFirst(2))
        #expect(MessageIDs.stored(moved) == moved)
    }

    @Test func messagesFromBeforeMoveToTheLegacyPartitionWithEverythingThatPointsAtThem() async throws {
        try await Self.withFreshClient { postgres in
            let logger = TestEnvironment.logger
            try await Migrator(migrations: Migrations.all.filter { $0.version < 22 }).migrate(postgres, logger: logger)
            let (ada, bob, conversation) = (UUID.random(), UUID.random(), UUID.random())
            let (first, reply) = (UUID.random(), UUID.random())
            try await postgres.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO users (id, name, email, password_hash, role)
                    VALUES (\(ada), 'Ada', 'ada@example.com', 'x', 'student'), (\(bob), 'Bob', 'bob@example.com', 'x', 'expert')
                    """,
                    logger: logger
                )
                try await connection.query(
                    "INSERT INTO conversations (id, kind, created_by, last_seq, last_change_seq) VALUES (\(conversation), 'direct', \(ada), 2, 2)",
                    logger: logger
                )
                try await connection.query(
                    "INSERT INTO conversation_members (conversation_id, user_id) VALUES (\(conversation), \(ada)), (\(conversation), \(bob))",
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO messages (id, conversation_id, seq, change_seq, sender_id, content, message_type, client_message_id, reply_to)
                    VALUES (\(first), \(conversation), 1, 1, \(ada), 'recursion, again', 'TEXT', 'ada-1', NULL),
                           (\(reply), \(conversation), 2, 2, \(bob), 'see page 12', 'TEXT', 'bob-1', \(first))
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO attachments (id, conversation_id, message_id, uploader_id, name, size, mime_type, sha256, storage_key)
                    VALUES (\(UUID.random()), \(conversation), \(reply), \(bob), 'notes.pdf', 10, 'application/pdf', 'ab', 'k')
                    """,
                    logger: logger
                )
                try await connection.query("INSERT INTO reactions (message_id, emoji, user_id) VALUES (\(first), '👍', \(bob))", logger: logger)
                try await connection.query(
                    "INSERT INTO reports (id, reporter_id, subject_id, conversation_id, message_id, reason) VALUES (\(UUID.random()), \(ada), \(bob), \(conversation), \(reply), 'spam')",
                    logger: logger
                )
            }
            #expect(try await Migrator().migrate(postgres, logger: logger) == [22, 23, 24, 25])

            let kind = try await postgres.query("SELECT relkind::text FROM pg_class WHERE relname = 'messages'").decode(String.self).first { _ in
                true
            }
            #expect(kind == "p")
            var rows: [UUID: (partition: String, replyTo: UUID?)] = [:]
            for try await (id, partition, replyTo) in try await postgres.query("SELECT id, tableoid::regclass::text, reply_to FROM messages")
                .decode((UUID, String, UUID?).self)
            {
                rows[id] = (partition, replyTo)
            }
            let (movedFirst, movedReply) = (MessageIDs.stored(first), MessageIDs.stored(reply))
            #expect(Set(rows.keys) == [movedFirst, movedReply], "each id as MessageIDs.stored finds it")
            #expect(rows.values.allSatisfy { $0.partition == "messages_legacy" })
            #expect(rows[movedReply]?.replyTo == movedFirst)
            let pointers = try await postgres.query(
                """
                SELECT (SELECT message_id FROM attachments), (SELECT message_id FROM reactions), (SELECT message_id FROM reports)
                """
            ).decode((UUID, UUID, UUID).self).first { _ in true }
            #expect(pointers.map { [$0.0, $0.1, $0.2] } == [movedReply, movedFirst, movedReply])

            let database = Database(client: postgres, queryTimeout: .seconds(10), logger: logger)
            let store = MessageStore(database: database)
            // A resend from before the migration is still taken for a retry.
            let resent = try await store.append(
                NewMessage(conversationID: conversation, senderID: ada, content: "recursion, again", type: .text, clientMessageID: "ada-1")
            )
            #expect(!resent.created && resent.message.id == movedFirst && resent.message.seq == 1)
            // Changes reach a message under the id a client kept.
            let edited = try await store.apply(
                .edit(content: "recursion, once more"),
                to: MessageIDs.stored(first),
                in: conversation,
                by: ada,
                rules: ChangeRules(editWindow: nil, maxReactionsPerMessage: 20)
            )
            #expect(edited.message.content == "recursion, once more")

            // A new message: a time-ordered id, in this month's partition, answering an old one.
            let fresh = try await store.append(
                NewMessage(
                    conversationID: conversation,
                    senderID: bob,
                    content: "page 13",
                    type: .text,
                    clientMessageID: "bob-2",
                    replyTo: movedFirst
                )
            )
            #expect(fresh.created && fresh.message.id.uuid.6 >> 4 == 7 && fresh.message.seq == 3 && fresh.message.replyTo?.id == movedFirst)
            let month = Self.partitionName(Date())
            let partition = try await postgres.query("SELECT tableoid::regclass::text FROM messages WHERE id = \(fresh.message.id)")
                .decode(String.self).first { _ in true }
            #expect(partition == month)
            let again = try await store.append(
                NewMessage(conversationID: conversation, senderID: bob, content: "page 13", type: .text, clientMessageID: "bob-2")
            )
            #expect(!again.created && again.message.id == fresh.message.id)

            // Deleting the conversation still reaches every partition and what points at its rows.
            try await postgres.query("DELETE FROM conversations WHERE id = \(conversation)")
            let left = try await postgres.query(
                "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM reactions) + (SELECT count(*) FROM attachments)"
            )
            .decode(Int.self).first { _ in true }
            #expect(left == 0)
        }
    }

    @Test func upkeepMakesMissingMonthsAndForgetsOldKeys() async throws {
        try await Self.withFreshClient { postgres in
            let logger = TestEnvironment.logger
            try await Migrator().migrate(postgres, logger: logger)
            let months = (0...MessageUpkeep.monthsAhead).map { Self.partitionName(Calendar.utc.date(byAdding: .month, value: $0, to: Date())!) }
            #expect(try await Self.partitions(postgres) == Set(months + ["messages_legacy"]))

            // Foreign keys point at every partition: it leaves the table before it goes.
            try await postgres.query(PostgresQuery(unsafeSQL: "ALTER TABLE messages DETACH PARTITION \(months.last!)"))
            try await postgres.query(PostgresQuery(unsafeSQL: "DROP TABLE \(months.last!)"))
            let (sender, old, recent) = (UUID.random(), MessageIDs.new(), MessageIDs.new())
            try await postgres.query(
                """
                INSERT INTO message_keys (sender_id, client_message_id, message_id, created_at)
                VALUES (\(sender), 'old', \(old), now() - interval '25 hours'), (\(sender), 'recent', \(recent), now() - interval '23 hours')
                """
            )
            // More expired keys than one batch deletes, some sharing a time.
            try await postgres.query(
                """
                INSERT INTO message_keys (sender_id, client_message_id, message_id, created_at)
                SELECT \(sender), 'expired-' || g, \(old), now() - interval '2 days' - (g / 3) * interval '1 second'
                FROM generate_series(1, \(MessageUpkeep.batch * 2 + 500)) g
                """
            )
            let upkeep = MessageUpkeep(
                database: Database(client: postgres, queryTimeout: .seconds(10), logger: logger),
                resendWindow: .seconds(86_400),
                logger: logger
            )
            // Another instance at it: this one leaves the partitions alone.
            let lock = "SELECT pg_advisory_lock(x'6368617470617274'::bigint)"
            let held = try await postgres.withConnection { connection in
                try await connection.query(PostgresQuery(unsafeSQL: lock), logger: logger)
                let pass = try await MessageUpkeep(
                    database: Database(client: postgres, queryTimeout: .seconds(10), logger: logger),
                    resendWindow: .seconds(365 * 86_400),
                    logger: logger
                ).tidy()
                try await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
                return pass
            }
            #expect(held.partitions == 0 && held.keys == 0)
            #expect(try await !Self.partitions(postgres).contains(months.last!))

            let pass = try await upkeep.tidy()
            #expect(pass.partitions == 1 && pass.keys == MessageUpkeep.batch * 2 + 501)
            #expect(try await Self.partitions(postgres) == Set(months + ["messages_legacy"]))
            let kept = try await postgres.query("SELECT client_message_id FROM message_keys").decode(String.self).reduce(into: []) {
                $0.append($1)
            }
            #expect(kept == ["recent"])
            // The next pass finds nothing to do.
            let second = try await upkeep.tidy()
            #expect(second.partitions == 0 && second.keys == 0)
            // Months are contiguous: the first id of next month is in next month's partition.
            let next = try await postgres.query(
                """
                SELECT c.relname::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
                WHERE i.inhparent = 'messages'::regclass
                  AND pg_get_expr(c.relpartbound, c.oid) LIKE '%' || chat_message_id_floor((date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC')::text || '%'
                ORDER BY c.relname
                """
            ).decode(String.self).reduce(into: []) { $0.append($1) }
            #expect(next == Array(months[0...1]), "it ends one month's range and begins the next's")
        }
    }

    /// A client of a database of the test's own, running while `body` does.
    static func withFreshClient(_ body: (PostgresClient) async throws -> Void) async throws {
        try await MigrationTests.withFreshDatabase { settings in
            let postgres = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: TestEnvironment.logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await postgres.run() }
                defer { group.cancelAll() }
                try await body(postgres)
            }
        }
    }

    static func partitionName(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month], from: date)
        return String(format: "messages_%04d_%02d", parts.year!, parts.month!)
    }

    static func partitions(_ postgres: PostgresClient) async throws -> Set<String> {
        try await postgres.query("SELECT relid::regclass::text FROM pg_partition_tree('messages') WHERE isleaf").decode(String.self)
            .reduce(into: []) { $0.insert($1) }
    }
}

extension Calendar {
    fileprivate static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// What reads the schema starts once this start's migrations ran.
@Suite struct AfterMigrationTests {
    struct Probe: Service {
        let ran: NIOLockedValueBox<Bool>
        func run() async throws { self.ran.withLockedValue { $0 = true } }
    }

    @Test func aServiceWaitsForTheGateAndACancelledWaitRunsNothing() async throws {
        let gate = MigrationGate()
        let ran = NIOLockedValueBox(false)
        let waiting = Task { try await AfterMigration(gate: gate, service: Probe(ran: ran)).run() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!ran.withLockedValue { $0 }, "not before the gate opens")
        gate.open()
        try await waiting.value
        #expect(ran.withLockedValue { $0 })

        let never = NIOLockedValueBox(false)
        let cancelled = Task { try await AfterMigration(gate: MigrationGate(), service: Probe(ran: never)).run() }
        cancelled.cancel()
        try await cancelled.value
        #expect(!never.withLockedValue { $0 })
    }
}
