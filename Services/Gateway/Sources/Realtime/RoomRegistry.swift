import ChatModels
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Redis
import ServiceKit
import SocketIO

/// The gateway's local view of who listens to what: each conversation's joined sockets
/// and each user's sockets. The gateway subscribes to a conversation's channel once,
/// however many of its sockets joined it, and unsubscribes when the last one leaves;
/// events for users arrive on the one `users` channel, naming their audience. An event is
/// framed once, and written to its sockets with one task per event loop.
final class RoomRegistry: Sendable {
    private struct Listeners {
        var sockets: [ObjectIdentifier: SocketConnection] = [:] {
            didSet { self.byLoop = nil }
        }
        /// `sockets` by event loop, kept between changes: most events find it made.
        var byLoop: [LoopSockets]?
        var recent = RecentIDs()
        /// The newest message seq this gateway knows the room has (conversation rooms).
        var lastSeq: Int64 = 0

        mutating func grouped() -> [LoopSockets] {
            if let byLoop { return byLoop }
            let made = LoopSockets.group(self.sockets.values)
            self.byLoop = made
            return made
        }
    }

    private struct State {
        var channels: [String: Listeners] = [:]
        /// Each socket's channels, to leave them all when it goes.
        var joined: [ObjectIdentifier: Set<String>] = [:]
        /// Each connected user's sockets on this gateway.
        var users: [UUID: [ObjectIdentifier: SocketConnection]] = [:]
        /// Ids of the user events delivered lately.
        var recentUserEvents = RecentIDs(capacity: 4096)
    }

    private let state = NIOLockedValueBox(State())
    private let subscriber: RedisSubscriber
    private let logger: Logger

    init(subscriber: RedisSubscriber, logger: Logger) {
        self.subscriber = subscriber
        self.logger = logger
    }

    /// Adds the socket to the conversation's room, whose newest message is `lastSeq`.
    func join(_ connection: SocketConnection, conversation: UUID, lastSeq: Int64) async throws {
        let channel = BusChannel.conversation(conversation)
        let key = ObjectIdentifier(connection)
        self.state.withLockedValue { state in
            state.channels[channel, default: Listeners()].sockets[key] = connection
            state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, lastSeq)
            state.joined[key, default: []].insert(channel)
        }
        // Every joiner goes through the subscriber, not just the first: a later one must
        // not be acknowledged while the first one's SUBSCRIBE is still unconfirmed.
        try await self.reconcile(channel)
    }

    func leave(_ connection: SocketConnection, conversation: UUID) async {
        await self.remove(connection, from: [BusChannel.conversation(conversation)])
    }

    func isInRoom(_ connection: SocketConnection, conversation: UUID) -> Bool {
        self.state.withLockedValue { $0.joined[ObjectIdentifier(connection)]?.contains(BusChannel.conversation(conversation)) ?? false }
    }

    /// Counts the socket among its user's, for the events addressed to that user.
    func register(_ connection: SocketConnection, user: UUID) {
        self.state.withLockedValue { $0.users[user, default: [:]][ObjectIdentifier(connection)] = connection }
    }

    /// Takes the socket out of everything it joined.
    func unregister(_ connection: SocketConnection) async {
        let key = ObjectIdentifier(connection)
        let channels = self.state.withLockedValue { state in
            if let user = connection.userID {
                state.users[user]?[key] = nil
                if state.users[user]?.isEmpty == true { state.users[user] = nil }
            }
            return state.joined[key] ?? []
        }
        await self.remove(connection, from: Array(channels))
    }

    /// The number of channels this gateway listens to, and sockets behind them.
    var counts: (channels: Int, memberships: Int) {
        self.state.withLockedValue { state in (state.channels.count, state.joined.values.reduce(0) { $0 + $1.count }) }
    }

    private func remove(_ connection: SocketConnection, from channels: [String]) async {
        let key = ObjectIdentifier(connection)
        let emptied = self.state.withLockedValue { state in
            var emptied: [String] = []
            for channel in channels {
                state.joined[key]?.remove(channel)
                state.channels[channel]?.sockets[key] = nil
                if state.channels[channel]?.sockets.isEmpty == true {
                    state.channels[channel] = nil
                    emptied.append(channel)
                }
            }
            if state.joined[key]?.isEmpty == true { state.joined[key] = nil }
            return emptied
        }
        for channel in emptied {
            try? await self.reconcile(channel)
        }
    }

    /// Brings the Redis subscription in line with whether anyone here still wants the channel.
    private func reconcile(_ channel: String) async throws {
        try await self.subscriber.reconcile(channel) { [state] in
            state.withLockedValue { $0.channels[channel] != nil }
        }
    }

    /// An event heard on a channel, once per event id: on a conversation's channel, for
    /// the sockets in its room (but the skipped user's); on `users`, for the sockets of its
    /// audience (but those in the skipped room).
    func deliver(_ envelope: BusEnvelope, on channel: String) {
        let groups: [LoopSockets] = self.state.withLockedValue { state in
            if channel == BusChannel.users { return Self.audience(of: envelope, in: &state) }
            guard state.channels[channel] != nil else { return [] }
            if let id = envelope.id, !state.channels[channel]!.recent.insert(id) { return [] }
            if let seq = envelope.seq { state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, seq) }
            return state.channels[channel]!.grouped()
        }
        guard !groups.isEmpty else { return }
        let frame = ServerFrame(text: SocketIOFrame.event(envelope.event, data: envelope.data))
        let skipUser = envelope.skipUser
        for group in groups {
            group.eventLoop.execute {
                for socket in group.sockets where skipUser == nil || socket.userID != skipUser {
                    socket.output.value.write(frame)
                }
            }
        }
    }

    private static func audience(of envelope: BusEnvelope, in state: inout State) -> [LoopSockets] {
        if let id = envelope.id, !state.recentUserEvents.insert(envelope.event + id) { return [] }
        // The skipped room's sockets, looked up once for the whole audience.
        let inRoom = envelope.skipRoom.flatMap { state.channels[BusChannel.conversation($0)]?.sockets } ?? [:]
        var sockets: [SocketConnection] = []
        for user in envelope.audience {
            guard let mine = state.users[user] else { continue }
            for (key, socket) in mine where inRoom[key] == nil {
                sockets.append(socket)
            }
        }
        return LoopSockets.group(sockets)
    }

    /// Delivers what each room missed while the gateway was not listening (Redis went away
    /// and came back): the messages after the room's last seq, asked of messages on behalf
    /// of one of its members, each to every socket that has not had it.
    func catchUp(using messages: MessagesAPI) async {
        let rooms: [(channel: String, conversation: UUID, after: Int64, token: String)] = self.state.withLockedValue { state in
            state.channels.compactMap { channel, listeners in
                guard let conversation = BusChannel.conversationID(of: channel),
                    let token = listeners.sockets.values.lazy.compactMap(\.token).first
                else { return nil }
                return (channel, conversation, listeners.lastSeq, token)
            }
        }
        var delivered = 0
        for room in rooms {
            var after = room.after
            do {
                while true {
                    let page = try await messages.history(room.conversation, after: after, limit: 200, token: room.token)
                    for message in page.messages {
                        self.deliver(BusEnvelope(event: ServerEvent.newMessage, id: message.id.text(), seq: message.seq, data: message.json), on: room.channel)
                        delivered += 1
                    }
                    guard page.hasMore, let last = page.messages.last else { break }
                    after = last.seq
                }
            } catch {
                self.logger.warning("catch-up failed", metadata: ["channel": "\(room.channel)", "error": "\(error)"])
            }
        }
        self.logger.info("caught up after resubscribing", metadata: ["rooms": "\(rooms.count)", "messages": "\(delivered)"])
    }
}

/// The sockets of one event loop, to be written to in one task on it.
struct LoopSockets: Sendable {
    let eventLoop: any EventLoop
    var sockets: [SocketConnection]

    static func group(_ sockets: some Sequence<SocketConnection>) -> [LoopSockets] {
        var groups: [LoopSockets] = []
        for socket in sockets {
            if let index = groups.firstIndex(where: { $0.eventLoop === socket.eventLoop }) {
                groups[index].sockets.append(socket)
            } else {
                groups.append(LoopSockets(eventLoop: socket.eventLoop, sockets: [socket]))
            }
        }
        return groups
    }
}
