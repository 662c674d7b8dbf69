import AsyncHTTPClient
import Auth
import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import Hummingbird
import HummingbirdTesting
import JSONKit
import MessagesApp
import MessagesTestSupport
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Redis
import ServiceClients
import ServiceKit
import Testing

@testable import PresenceApp

/// Presence transitions against a real Redis. One at a time: a sweep claims every dead
/// gateway and expires every typing indicator it finds, another test's included.
@Suite(.serialized) struct PresenceTests {
    func withStore(_ body: @escaping @Sendable (PresenceStore, RedisClient) async throws -> Void) async throws {
        try await withTestRedis { redis in try await body(PresenceStore(redis: redis), redis) }
    }

    /// A sweeper whose announcements look contacts up in the messages service on `messagesPort`.
    static func sweeper(store: PresenceStore, redis: RedisClient, http: HTTPClient, messagesPort: Int) async -> PresenceSweeper {
        let announcer = PresenceAnnouncer(
            bus: ChatBus(redis: redis),
            contacts: ContactsClient(
                messages: MessagesClient(
                    client: http,
                    endpoint: ServiceEndpoint(url: URL(string: "http://127.0.0.1:\(messagesPort)")!, timeout: .seconds(3)),
                    serviceToken: ServiceTokenCache(tokens: await TokenAuthority(settings: TestEnvironment.auth), service: "presence").token
                )
            ),
            logger: TestEnvironment.logger
        )
        return PresenceSweeper(store: store, announcer: announcer, gatewayDeadAfter: .seconds(10), every: .seconds(1), logger: TestEnvironment.logger)
    }

    @Test func aUserIsOnlineWhileAnyConnectionIsOpenOnAnyGateway() async throws {
        try await self.withStore { store, _ async throws in
            let user = UUID()
            #expect(try await store.connected(user: user, gateway: "gw-a", connection: "c1") == .online)
            #expect(try await store.connected(user: user, gateway: "gw-b", connection: "c2") == .none)
            #expect(try await store.presence(of: [user]).first?.status == .online)
            #expect(try await store.disconnected(user: user, gateway: "gw-a", connection: "c1") == .none)
            #expect(try await store.presence(of: [user]).first?.status == .online)
            let now = Date()
            #expect(try await store.disconnected(user: user, gateway: "gw-b", connection: "c2", now: now) == .offline(lastSeen: now))
            let seen = try #require(try await store.presence(of: [user]).first)
            #expect(seen.status == .offline)
            #expect(abs((seen.lastSeenAt ?? .distantPast).timeIntervalSince(now)) < 0.01)
            // A disconnect reported twice changes nothing.
            #expect(try await store.disconnected(user: user, gateway: "gw-b", connection: "c2") == .none)
        }
    }

    @Test func aConnectArrivingAfterItsDisconnectIsIgnored() async throws {
        try await self.withStore { store, _ async throws in
            let user = UUID()
            #expect(try await store.disconnected(user: user, gateway: "gw-a", connection: "late") == .none)
            #expect(try await store.connected(user: user, gateway: "gw-a", connection: "late") == .none)
            #expect(try await store.presence(of: [user]).first?.status == .offline)
        }
    }

    @Test func appearingOfflineHidesAConnectedUserUntilTheyReturnOrLeave() async throws {
        try await self.withStore { store, _ async throws in
            let user = UUID()
            #expect(try await store.setVisible(user: user, false) == .none)  // not connected: nothing to hide
            _ = try await store.connected(user: user, gateway: "gw-a", connection: "v1")
            if case .offline = try await store.setVisible(user: user, false) {} else { Issue.record("hiding should show the user offline") }
            #expect(try await store.presence(of: [user]).first?.status == .offline)
            #expect(try await store.connected(user: user, gateway: "gw-a", connection: "v2") == .none)  // still hidden
            #expect(try await store.setVisible(user: user, true) == .online)
            if case .offline = try await store.setVisible(user: user, false) {} else { Issue.record("hiding again") }
            _ = try await store.disconnected(user: user, gateway: "gw-a", connection: "v1")
            #expect(try await store.disconnected(user: user, gateway: "gw-a", connection: "v2") == .none)  // already seen offline
            #expect(try await store.connected(user: user, gateway: "gw-a", connection: "v3") == .online)  // a new session starts visible
        }
    }

    /// The directory reads the online set, never asking about each user: it must agree with
    /// what `presence(of:)` says through connects, hiding, showing and the last disconnect.
    @Test func theOnlineSetHoldsWhomOthersSeeOnline() async throws {
        try await self.withStore { store, redis async throws in
            let user = UUID()
            let member = user.uuidString.lowercased()
            func listed() async throws -> Bool {
                try await redis.send("SISMEMBER", .string(PresenceStream.onlineKey), .string(member)).int == 1
            }
            _ = try await store.connected(user: user, gateway: "gw-a", connection: "o1")
            #expect(try await listed())
            _ = try await store.setVisible(user: user, false)
            #expect(try await !listed())
            _ = try await store.connected(user: user, gateway: "gw-b", connection: "o2")  // still hidden
            #expect(try await !listed())
            _ = try await store.setVisible(user: user, true)
            #expect(try await listed())
            _ = try await store.disconnected(user: user, gateway: "gw-a", connection: "o1")
            #expect(try await listed())  // one connection left
            _ = try await store.disconnected(user: user, gateway: "gw-b", connection: "o2")
            #expect(try await !listed())
        }
    }

    /// A set left behind (presence upgraded under connected users, or the key lost) is
    /// mended when presence starts: connected users in, the hidden and the gone out.
    @Test func theOnlineSetIsMendedFromTheConnections() async throws {
        try await self.withStore { store, redis async throws in
            let (connected, hidden, gone) = (UUID(), UUID(), UUID())
            let online = PresenceStream.onlineKey
            _ = try await redis.send("SADD", .string(PresenceStream.connectionsKey(connected)), .string("gw-old|c1"))
            _ = try await redis.send("SADD", .string(PresenceStream.connectionsKey(hidden)), .string("gw-old|c2"))
            _ = try await redis.send("SADD", .string(PresenceKeys.hidden), .string(hidden.uuidString.lowercased()))
            _ = try await redis.send("SADD", .string(online), .string(hidden.uuidString.lowercased()), .string(gone.uuidString.lowercased()))
            #expect(try await store.reconcileOnlineSet() >= 3)
            for (user, expected) in [(connected, 1), (hidden, 0), (gone, 0)] {
                #expect(try await redis.send("SISMEMBER", .string(online), .string(user.uuidString.lowercased())).int == expected)
            }
            _ = try await redis.send("DEL", .string(PresenceStream.connectionsKey(connected)), .string(PresenceStream.connectionsKey(hidden)))
            _ = try await redis.send("SREM", .string(PresenceKeys.hidden), .string(hidden.uuidString.lowercased()))
            _ = try await store.reconcileOnlineSet()
        }
    }

    @Test func typingStartsStopsAndExpiresOnce() async throws {
        try await self.withStore { store, _ async throws in
            let (conversation, user) = (UUID(), UUID())
            #expect(try await store.typing(conversation: conversation, user: user, isTyping: true, ttl: .seconds(5)))
            #expect(!(try await store.typing(conversation: conversation, user: user, isTyping: true, ttl: .seconds(5))))  // a refresh
            #expect(try await store.typing(conversation: conversation, user: user, isTyping: false, ttl: .seconds(5)))
            #expect(!(try await store.typing(conversation: conversation, user: user, isTyping: false, ttl: .seconds(5))))

            // Seconds of margin: a loaded machine (CI runs suites in parallel on two cores) may
            // stall for a fraction of one between these lines.
            _ = try await store.typing(conversation: conversation, user: user, isTyping: true, ttl: .seconds(3))
            #expect(try await store.expiredTyping(now: Date()).contains { $0 == (conversation, user) } == false)
            let later = Date().addingTimeInterval(3.5)
            let expired = try await store.expiredTyping(now: later)
            #expect(expired.contains { $0 == (conversation, user) })
            #expect(!(try await store.expiredTyping(now: later).contains { $0 == (conversation, user) }))
        }
    }

    @Test func aBatchOfEventsIsAppliedInOrderInOnePipeline() async throws {
        try await self.withStore { store, _ async throws in
            let user = UUID()
            let conversation = UUID()
            func event(
                _ kind: PresenceEvent.Kind,
                _ connection: String,
                conversation: UUID? = nil,
                isTyping: Bool? = nil,
                visible: Bool? = nil
            ) -> PresenceEvent {
                PresenceEvent(
                    kind: kind,
                    userId: user,
                    gatewayId: "gw-a",
                    connectionId: connection,
                    conversationId: conversation,
                    isTyping: isTyping,
                    visible: visible
                )
            }
            let now = Date()
            let effects = try await store.apply(
                [
                    event(.connected, "b1"),
                    event(.connected, "b2"),
                    event(.typing, "b1", conversation: conversation, isTyping: true),
                    event(.typing, "b1", conversation: conversation, isTyping: true),  // a refresh
                    event(.typing, "b1"),  // no conversation: nothing to do
                    event(.visibility, "b1", visible: false),
                    event(.visibility, "b1", visible: true),
                    event(.disconnected, "b1"),
                    event(.disconnected, "b2"),
                    event(.connected, "b2"),  // after its disconnect: ignored
                ],
                typingTTL: .seconds(5),
                now: now
            ).map { try $0.get() }
            #expect(
                effects == [
                    .status(.online), .status(.none), .typing(true), .typing(false), .status(.none),
                    .status(.offline(lastSeen: now)), .status(.online), .status(.none), .status(.offline(lastSeen: now)), .status(.none),
                ]
            )
            #expect(try await store.presence(of: [user]).first?.status == .offline)
            #expect(try await store.apply([], typingTTL: .seconds(5)).isEmpty)
        }
    }

    @Test func aSilentGatewaysUsersGoOfflineAndTheirContactsHearOfIt() async throws {
        try await withMessages(.live) { api in
            let watcher = try await api.register("Watcher")
            let goner = try await api.register("Goner", role: .expert)
            _ = try await api.open(watcher, with: [goner])
            let port = try #require(api.port)
            try await self.withStore { store, redis async throws in
                let received = BusRecorder()
                let subscriber = RedisSubscriber(
                    configuration: try TestEnvironment.messages().redis,
                    eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                    logger: TestEnvironment.logger,
                    onEvent: received.record
                )
                let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await subscriber.run() }
                    defer { group.cancelAll() }
                    try await subscribed(subscriber, to: [BusChannel.users], checkingWith: redis)
                    let sweeper = await Self.sweeper(store: store, redis: redis, http: http, messagesPort: port)
                    let dead = "gw-dead-\(UUID().uuidString.prefix(6))"
                    _ = try await redis.send(
                        "ZADD",
                        .string(PresenceStream.heartbeatsKey),
                        .integer(PresenceStore.milliseconds(Date()) - 30_000),
                        .string(dead)
                    )
                    #expect(try await store.connected(user: goner.user.id, gateway: dead, connection: "g1") == .online)
                    let elsewhere = UUID()
                    _ = try await store.connected(user: elsewhere, gateway: dead, connection: "e1")
                    _ = try await store.connected(user: elsewhere, gateway: "gw-alive", connection: "e2")

                    try await sweeper.sweep()
                    #expect(try await store.presence(of: [goner.user.id]).first?.status == .offline)
                    #expect(try await store.presence(of: [elsewhere]).first?.status == .online)  // connected elsewhere too
                    #expect(try await store.connections(onGateway: dead).isEmpty)
                    let later = try await store.claimDeadGateways(silentSince: Date(), now: Date(), leaseEnd: Date().addingTimeInterval(10))
                    #expect(later.contains(dead) == false)  // handled once

                    // The watcher, who shares a conversation with the goner, hears of it.
                    let deadline = ContinuousClock.now + .seconds(5)
                    while received.addressed(to: watcher.user.id).isEmpty, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    let heard = try #require(received.addressed(to: watcher.user.id).first)
                    let status = try ChatJSON.decoder().decode(UserPresence.self, from: Data(buffer: heard.data))
                    #expect(heard.event == "user_status_changed" && status.userId == goner.user.id && status.status == .offline)
                    #expect(heard.audience.contains(goner.user.id))  // their own other devices hear it too
                }
                try await http.shutdown()
            }
        }
    }

    @Test func aSweepLeftUnfinishedIsTakenUpAgainAndAGatewayBeatingAgainKeepsItsConnections() async throws {
        try await self.withStore { store, redis async throws in
            let now = Date()
            let abandoned = "gw-abandoned-\(UUID().uuidString.prefix(6))"
            let revived = "gw-revived-\(UUID().uuidString.prefix(6))"
            for gateway in [abandoned, revived] {
                let stale = PresenceStore.milliseconds(now) - 30_000
                _ = try await redis.send("ZADD", .string(PresenceStream.heartbeatsKey), .integer(stale), .string(gateway))
            }
            let (gone, slow) = (UUID(), UUID())
            _ = try await store.connected(user: gone, gateway: abandoned, connection: "a1")
            _ = try await store.connected(user: slow, gateway: revived, connection: "r1")

            // An instance claims both for 10 s, then dies without clearing anything.
            let claimed = try await store.claimDeadGateways(silentSince: now - 10, now: now, leaseEnd: now + 10)
            #expect(Set(claimed).isSuperset(of: [abandoned, revived]))
            let meanwhile = try await store.claimDeadGateways(silentSince: now - 10, now: now + 1, leaseEnd: now + 11)
            #expect(!meanwhile.contains(abandoned) && !meanwhile.contains(revived))
            // One of them was only slow: it beats again.
            _ = try await redis.send("ZADD", .string(PresenceStream.heartbeatsKey), .integer(PresenceStore.milliseconds(now + 10)), .string(revived))

            // Past the lease another instance takes the sweep up, though it cannot announce
            // anything (messages, where contacts are looked up, does not answer).
            let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
            let sweeper = await Self.sweeper(store: store, redis: redis, http: http, messagesPort: 1)
            try await sweeper.sweep(now: now + 11)
            #expect(try await store.presence(of: [gone]).first?.status == .offline)  // cleared, its announcement failing
            #expect(try await store.connections(onGateway: abandoned).isEmpty)
            #expect(try await store.presence(of: [slow]).first?.status == .online)  // the revived gateway keeps it
            #expect(try await store.connections(onGateway: revived).count == 1)
            let after = try await store.claimDeadGateways(silentSince: now - 10, now: now + 30, leaseEnd: now + 40)
            #expect(!after.contains(abandoned) && !after.contains(revived))  // both sweeps are over
            try await http.shutdown()
        }
    }
}
