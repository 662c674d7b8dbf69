import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import MessagesTestSupport
import PostgresNIO
import ServiceKit
import Testing

@testable import MessagesApp

/// The batched insert under concurrency: consumers storing the same sends at once, as a
/// claimed stream entry processed twice would.
@Suite struct MessageBatchTests {
    /// The messages service for setting up, and a store of its own on the same database,
    /// storing sends on connections set up as the service's are.
    static func withStore(_ body: @escaping @Sendable (any TestClientProtocol, MessageStore, PostgresClient) async throws -> Void) async throws {
        try await withMessages(.router) { client in
            let configuration = try TestEnvironment.messages()
            let postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: TestEnvironment.logger)
            let sends = PostgresClient(configuration: configuration.database.sendClientConfiguration, backgroundLogger: TestEnvironment.logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await postgres.run() }
                group.addTask { await sends.run() }
                try await body(
                    client,
                    MessageStore(
                        database: Database(client: postgres, queryTimeout: .seconds(10), logger: TestEnvironment.logger),
                        sends: Database(client: sends, queryTimeout: .seconds(10), logger: TestEnvironment.logger)
                    ),
                    postgres
                )
                group.cancelAll()
            }
        }
    }

    /// The send statement's kept plan, as Postgres makes it on a connection of `configuration`
    /// (`plan_cache_mode` forced generic where it is not already) while the tables are empty,
    /// as on a new deployment.
    static func sendPlan(_ configuration: PostgresClient.Configuration) async throws -> String {
        let postgres = PostgresClient(configuration: configuration, backgroundLogger: TestEnvironment.logger)
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                await postgres.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await postgres.withConnection { connection in
                let logger = TestEnvironment.logger
                try await connection.query("SET plan_cache_mode = force_generic_plan", logger: logger)
                try await connection.query("PREPARE send_probe AS \(unescaped: InsertBatch.sql)", logger: logger)
                let none = Array(repeating: "'{}'", count: 20).joined(separator: ", ")
                let rows = try await connection.query("EXPLAIN EXECUTE send_probe(\(unescaped: none))", logger: logger)
                return try await rows.decode(String.self).reduce(into: "") { $0 += $1 + "\n" }
            }
        }
    }

    /// A prepared statement's generic plan is made once, from the statistics of the moment,
    /// and kept until they change. Made on empty tables, the send pool's reads every table
    /// through an index (its connections plan without sequential scans), and `message_keys`
    /// not at all (it grows thousands of rows a second, faster than autovacuum analyses it):
    /// only its primary key decides which keys are new.
    @Test func theSendStatementsKeptPlanReadsByIndexAndNeverReadsTheKeys() async throws {
        try await withMessages(.router) { _ in
            let database = try TestEnvironment.messages().database
            let send = try await Self.sendPlan(database.sendClientConfiguration)
            #expect(!send.contains("Seq Scan"), "\(send)")
            #expect(!send.contains("Scan on message_keys") && !send.contains("Scan using message_keys"), "\(send)")
            #expect(send.contains("Insert on message_keys") && send.contains("Conflict Resolution: NOTHING"), "\(send)")
            #expect(send.contains("Index Cond: (conversation_id = ANY ($2))"), "the members read by the index: \(send)")
        }
    }

    @Test func concurrentBatchesOfTheSameSendsStoreEachOnceWithGaplessSeqs() async throws {
        try await Self.withStore { client, store, _ in
            let (student, expert, conversation) = try await client.pair("Racer", "Judge")
            let drafts = (0..<10).map { index in
                NewMessage(
                    conversationID: conversation.id,
                    senderID: index.isMultiple(of: 2) ? student.user.id : expert.user.id,
                    content: "m\(index)",
                    type: .text,
                    clientMessageID: "race-\(index)"
                )
            }
            // Until every send is stored: a consumer that lost a race is told to retry.
            var stored: [String: UUID] = [:]
            for _ in 0..<20 where stored.count < drafts.count {
                let rounds = try await withThrowingTaskGroup(of: [BatchOutcome]?.self) { racers in
                    for _ in 0..<6 {
                        racers.addTask {
                            do {
                                return try await store.append(batch: drafts)
                            } catch let error as APIError where error.retryable {
                                return nil
                            }
                        }
                    }
                    return try await racers.reduce(into: []) { $0.append($1) }
                }
                for case let outcomes? in rounds {
                    for outcome in outcomes {
                        switch outcome {
                        case .stored(let message, _, _):
                            let key = message.clientMessageId!
                            #expect(stored[key] == nil || stored[key] == message.id, "one message per send, whoever stored it")
                            stored[key] = message.id
                        case .refused(let error):
                            #expect(error.retryable, "only a lost race, never a refusal: \(error)")
                        }
                    }
                }
            }
            #expect(stored.count == drafts.count)
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            let sent = history.messages.filter { $0.messageType == .text }
            #expect(sent.map(\.seq) == Array(2...11), "gapless, each send once")
            #expect(Set(sent.map(\.id)) == Set(stored.values))
            #expect(sent.map(\.content) == drafts.map(\.content), "in the batch's order")
        }
    }

    /// The race made certain: another transaction stores one of the batch's sends and
    /// commits while the batch's statement waits on it.
    /// Another consumer storing one of the batch's sends at that moment (its transaction
    /// holding the key): the batch waits for it, stores the rest, and returns that one's
    /// message for it, stored once.
    @Test func aSendBeingStoredConcurrentlyIsWaitedForAndStoredOnce() async throws {
        try await Self.withStore { client, store, postgres in
            let (student, _, conversation) = try await client.pair("Loser", "Winner")
            let drafts = ["first", "contested", "last"].map { key in
                NewMessage(conversationID: conversation.id, senderID: student.user.id, content: key, type: .text, clientMessageID: key)
            }
            let loser = try await postgres.withTransaction(logger: TestEnvironment.logger) { connection in
                try await connection.query(
                    """
                    UPDATE conversations SET last_seq = last_seq + 1 WHERE id = \(conversation.id);
                    """,
                    logger: TestEnvironment.logger
                )
                let won = MessageIDs.new()
                try await connection.query(
                    """
                    INSERT INTO message_keys (sender_id, client_message_id, message_id) VALUES (\(student.user.id), 'contested', \(won));
                    """,
                    logger: TestEnvironment.logger
                )
                try await connection.query(
                    """
                    INSERT INTO messages (id, conversation_id, seq, sender_id, content, message_type, client_message_id)
                    VALUES (\(won), \(conversation.id), 2, \(student.user.id), 'won', 'TEXT', 'contested')
                    """,
                    logger: TestEnvironment.logger
                )
                let holder = try await connection.query("SELECT pg_backend_pid()", logger: TestEnvironment.logger).decode(Int32.self)
                    .first { _ in true }!
                let loser = Task { try await store.append(batch: drafts) }
                // Until the batch's statement waits on this transaction (a fixed pause was too
                // short on a loaded machine: the batch then began after the commit).
                for _ in 0..<500 {
                    let waiting = try await postgres.query("SELECT count(*) FROM pg_stat_activity WHERE \(holder) = ANY(pg_blocking_pids(pid))")
                        .decode(Int.self).first { _ in true }
                    if waiting ?? 0 > 0 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return loser
            }
            let outcomes = try await loser.value
            let messages = outcomes.compactMap { outcome -> Message? in
                if case .stored(let message, _, _) = outcome { return message }
                return nil
            }
            #expect(messages.map(\.content) == ["first", "won", "last"])
            #expect(messages.map(\.seq) == [3, 2, 4])
            let created = outcomes.map { outcome in
                if case .stored(_, _, let created) = outcome { return created }
                return false
            }
            #expect(created == [true, false, true])
            let contested = try await postgres.query("SELECT count(*) FROM messages WHERE client_message_id = 'contested'")
                .decode(Int.self).first { _ in true }
            #expect(contested == 1)
        }
    }

    /// A send writes no recipient's row: unread counts are counted when read, and stop at
    /// `unreadCap` among the newest `unreadWindow` (a reader with thousands unread costs the
    /// list a bounded read).
    @Test func aSendWritesNoMembersRowAndUnreadStopsAtTheCap() async throws {
        try await Self.withStore { client, store, postgres in
            let (student, expert, conversation) = try await client.pair("Reader", "Talker")
            @Sendable func versions() async throws -> [String] {
                try await postgres.query(
                    "SELECT xmin::text FROM conversation_members WHERE conversation_id = \(conversation.id) ORDER BY user_id"
                ).decode(String.self).reduce(into: []) { $0.append($1) }
            }
            @Sendable func unread(_ reader: Account) async throws -> Int {
                try await client.call(.get, "/api/chat/conversations/\(conversation.id)", token: reader.token).decode(Conversation.self).unreadCount
            }
            let before = try await versions()
            let count = ConversationStore.unreadCap + 5
            let drafts = (0..<count).map {
                NewMessage(conversationID: conversation.id, senderID: expert.user.id, content: "n\($0)", type: .text, clientMessageID: "cap-\($0)")
            }
            _ = try await store.append(batch: drafts)
            #expect(try await versions() == before, "no member's row written by a send")
            #expect(try await unread(student) == ConversationStore.unreadCap)
            #expect(try await unread(expert) == 0, "their own, and the welcome")
            let last = Int64(count + 1)  // after the welcome
            _ = try await client.call(
                .post,
                "/api/chat/conversations/\(conversation.id)/read",
                token: student.token,
                json: MarkReadRequest(seq: last - 7)
            )
            #expect(try await unread(student) == 7)
            let listed = try await client.call(.get, "/api/chat/conversations/\(conversation.id)", token: student.token).decode(Conversation.self)
            #expect(listed.lastReadSeq == last - 7, "where the reader's unread begins, however many")
            // Their own messages do not move their watermark, and are not read past: the
            // count looks among the newest `unreadWindow` after it, here 5 of the 7.
            let own = ConversationStore.unreadWindow - 5
            _ = try await store.append(
                batch: (0..<own).map {
                    NewMessage(
                        conversationID: conversation.id,
                        senderID: student.user.id,
                        content: "o\($0)",
                        type: .text,
                        clientMessageID: "own-\($0)"
                    )
                }
            )
            #expect(try await unread(student) == 5)
        }
    }

    /// One statement checks memberships and blocks as it stores: in a batch mixing every
    /// refusal with good sends, each refused draft is told why (as before it was one
    /// statement) and leaves no message and no key behind, the good ones are stored in
    /// order, and a key sent twice is stored once, by its first draft.
    @Test func aBatchStoresWhatMayBeStoredAndSaysWhyItRefusedTheRest() async throws {
        try await Self.withStore { client, store, postgres in
            let (student, expert, open) = try await client.pair("Mixer", "Open")
            let (blocker, blocked, closed) = try await client.pair("Blocker", "Blocked")
            #expect(try await client.call(.put, "/api/me/blocks/\(blocked.user.id)", token: blocker.token).status == .noContent)
            func draft(_ conversation: UUID, _ sender: UUID, _ key: String, replyTo: UUID? = nil) -> NewMessage {
                NewMessage(conversationID: conversation, senderID: sender, content: key, type: .text, clientMessageID: key, replyTo: replyTo)
            }
            let drafts = [
                draft(open.id, student.user.id, "first"),
                draft(open.id, blocker.user.id, "outsider"),  // not a member
                draft(closed.id, blocker.user.id, "blocking"),
                draft(closed.id, blocked.user.id, "blocked"),
                draft(UUID(), student.user.id, "nowhere"),
                draft(open.id, expert.user.id, "bad-reply", replyTo: UUID()),
                draft(open.id, expert.user.id, "second"),
                draft(open.id, student.user.id, "first"),  // the first's key again
            ]
            let outcomes = try await store.append(batch: drafts)
            func refusal(_ index: Int) -> ErrorCode? {
                if case .refused(let error) = outcomes[index] { return error.code }
                return nil
            }
            #expect(refusal(1) == .forbidden && refusal(2) == .notDelivered && refusal(3) == .notDelivered)
            #expect(refusal(4) == .notFound && refusal(5) == .notFound)
            guard case .stored(let first, let members, true) = outcomes[0], case .stored(let second, _, true) = outcomes[6],
                case .stored(let again, _, false) = outcomes[7]
            else {
                Issue.record("the good sends were not stored: \(outcomes)")
                return
            }
            #expect([first.seq, second.seq] == [2, 3] && again.id == first.id)
            #expect(Set(members) == [student.user.id, expert.user.id])
            let refusedKeys = try await postgres.query(
                "SELECT count(*) FROM message_keys WHERE client_message_id = ANY(\(["outsider", "blocking", "blocked", "nowhere", "bad-reply"]))",
                logger: TestEnvironment.logger
            ).collect().first!.decode(Int.self)
            #expect(refusedKeys == 0, "a refused send claims no key: its retry may be stored")
            let stored = try await store.page(conversationID: closed.id, cursor: .latest, limit: 10, maxBytes: 1 << 20, reader: blocker.user.id)
            #expect(stored.messages.allSatisfy { $0.messageType == .system })
        }
    }

    /// The server's own messages and sends without a key go the same way as the rest: in
    /// order, with the next seqs, each stored (never taken for a retry of another).
    @Test func systemAndKeylessSendsAreStoredByTheBatchLikeAnyOther() async throws {
        try await Self.withStore { client, store, _ in
            let (student, _, conversation) = try await client.pair("Keyless", "Sys")
            let drafts = [
                NewMessage(conversationID: conversation.id, senderID: nil, content: "note", type: .system, clientMessageID: nil),
                NewMessage(conversationID: conversation.id, senderID: student.user.id, content: "a", type: .text, clientMessageID: nil),
                NewMessage(conversationID: conversation.id, senderID: student.user.id, content: "a", type: .text, clientMessageID: nil),
                NewMessage(conversationID: conversation.id, senderID: nil, content: "forged", type: .text, clientMessageID: nil),
            ]
            let outcomes = try await store.append(batch: drafts)
            let stored = outcomes.compactMap { outcome -> (Message, Bool)? in
                if case .stored(let message, _, let created) = outcome { return (message, created) }
                return nil
            }
            #expect(stored.map(\.0.seq) == [2, 3, 4] && stored.allSatisfy(\.1))
            #expect(stored.map(\.0.senderId) == [nil, student.user.id, student.user.id])
            #expect(stored.map(\.0.messageType) == [.system, .text, .text])
            guard case .refused(let error) = outcomes[3] else {
                Issue.record("a non-SYSTEM message without a sender was stored")
                return
            }
            #expect(error.code == .validationFailed)
            #expect(
                try await store.page(conversationID: conversation.id, cursor: .latest, limit: 10, maxBytes: 1 << 20, reader: student.user.id).messages
                    .count == 4
            )
        }
    }
}
