import ChatModels
import EventBus
import Foundation
import JSONKit
import Logging
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceClients
import ServiceLifecycle

/// How events reach this gateway's sockets: it subscribes to a conversation's channel (or a
/// watched user's status channel) once, however many of its sockets joined it, and
/// unsubscribes when the last one leaves; events
/// for users arrive on the one `users` channel, naming their audience. What it hears goes
/// to the `RoomRegistry`, on the subscriber's event loop. After Redis comes back, each room
/// is sent the messages it missed meanwhile.
final class Fanout: Service, Sendable {
    let rooms: RoomRegistry
    private let subscriber: RedisSubscriber
    private let catchUpRequests: AsyncStream<Void>
    /// Rooms emptied by a departure, to unsubscribe from.
    private let emptiedRooms: AsyncStream<String>
    private let messages: MessagesClient
    private let logger: Logger

    /// `offsetOrigin`: with connection-state recovery on, the origin of the offsets events carry.
    /// `memberships`: what this gateway remembers of who is in which conversation, forgotten
    /// for whoever leaves one.
    init(
        redis: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        messages: MessagesClient,
        memberships: Memberships,
        offsetOrigin: String? = nil,
        logger: Logger
    ) {
        let rooms = RoomRegistry(offsetOrigin: offsetOrigin)
        let (requests, requestCatchUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (emptied, emptiedRoom) = AsyncStream.makeStream(of: String.self)
        self.subscriber = RedisSubscriber(configuration: redis, eventLoopGroup: eventLoopGroup, logger: logger) { event in
            switch event {
            case .message(let message):
                guard let envelope = BusEnvelope(decoding: message.payload) else { return }
                // One who left a conversation hears nothing more from it on any gateway. The
                // leave comes twice: on the conversation's channel, in order with its messages,
                // where their sockets leave its room (after the line that says so, before
                // anything that follows); and on the users channel, which tells them. On a
                // cluster the two channels' shards keep no order between them.
                let leaving = envelope.event == BusEnvelope.leftRoomEvent || envelope.event == ServerEvent.conversationLeft.rawValue
                if leaving, let left = try? ChatJSON.decoder().decode(ConversationLeft.self, from: envelope.data) {
                    memberships.forget(envelope.audience, of: left.conversationId)
                    if envelope.event == BusEnvelope.leftRoomEvent {
                        if rooms.evict(envelope.audience, from: left.conversationId) { emptiedRoom.yield(message.channel) }
                        return
                    }
                }
                rooms.deliver(envelope, on: message.channel)
            case .resubscribed:
                // Events published while the connection was down were missed here.
                logger.warning("resubscribed to Redis after a disconnection")
                requestCatchUp.yield()
            case .disconnected:
                logger.warning("lost the Redis subscription; reconnecting")
            }
        }
        self.rooms = rooms
        self.catchUpRequests = requests
        self.emptiedRooms = emptied
        self.messages = messages
        self.logger = logger
    }

    func run() async throws {
        try await self.subscriber.subscribe([BusChannel.users])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await _ in self.catchUpRequests { await self.catchUp() }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await channel in self.emptiedRooms { try? await self.reconcile(channel) }
                }
            }
        }
    }

    /// Adds the socket to the conversation's room, whose newest message is `lastSeq`;
    /// returns once this gateway hears the conversation's channel.
    func join(_ connection: SocketConnection, conversation: UUID, lastSeq: Int64) async throws {
        let channel = BusChannel.conversation(conversation)
        self.rooms.add(connection, to: channel, lastSeq: lastSeq)
        // Every joiner goes through the subscriber, not just the first: a later one must
        // not be acknowledged while the first one's SUBSCRIBE is still unconfirmed.
        try await self.reconcile(channel)
    }

    /// Makes `users` the ones whose status the socket hears besides its contacts', in
    /// place of those it watched; returns once this gateway hears each of them.
    func watch(_ connection: SocketConnection, users: [UUID]) async throws {
        let touched = self.rooms.watch(connection, channels: Set(users.map(BusChannel.status)))
        try await self.subscriber.reconcile(touched) { [rooms] in rooms.wants($0) }
    }

    func leave(_ connection: SocketConnection, conversation: UUID) async {
        await self.remove(connection, from: [BusChannel.conversation(conversation)])
    }

    /// Takes the socket out of everything it joined.
    func unregister(_ connection: SocketConnection) async {
        await self.remove(connection, from: self.rooms.unregister(connection))
    }

    private func remove(_ connection: SocketConnection, from channels: [String]) async {
        for channel in self.rooms.remove(connection, from: channels) {
            try? await self.reconcile(channel)
        }
    }

    /// Brings the Redis subscription in line with whether anyone here still wants the channel.
    private func reconcile(_ channel: String) async throws {
        try await self.subscriber.reconcile(channel) { [rooms] in rooms.wants(channel) }
    }

    /// Delivers what each room missed while the gateway was not listening: the messages
    /// after the room's last seq, asked of messages on behalf of one of its members, each
    /// to every socket that has not had it.
    private func catchUp() async {
        let targets = self.rooms.catchUpTargets()
        var delivered = 0
        for room in targets {
            var after = room.after
            do {
                while true {
                    let page = try await self.messages.history(room.conversation, after: after, limit: 200, token: room.token)
                    for message in page.messages {
                        let envelope = BusEnvelope(event: ServerEvent.newMessage, id: message.id.text(), seq: message.seq, data: message.json)
                        self.rooms.deliver(envelope, on: room.channel)
                        delivered += 1
                    }
                    guard page.hasMore, let last = page.messages.last else { break }
                    after = last.seq
                }
            } catch {
                self.logger.warning("catch-up failed", metadata: ["channel": "\(room.channel)", "error": "\(error)"])
            }
        }
        self.logger.info("caught up after resubscribing", metadata: ["rooms": "\(targets.count)", "messages": "\(delivered)"])
    }
}
