import ChatModels
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Redis
import ServiceKit
import SocketIO

/// The gateway's local view of who listens to what: each conversation's joined sockets
/// and each user's sockets. The gateway subscribes to a channel once, however many of
/// its sockets want it, and unsubscribes when the last one leaves; an event heard on a
/// channel is framed once and written to every socket behind it.
final class RoomRegistry: Sendable {
    private struct Listeners {
        var sockets: [ObjectIdentifier: SocketConnection] = [:]
        var recent = RecentIDs()
        /// The newest message seq this gateway knows the room has (conversation rooms).
        var lastSeq: Int64 = 0
    }

    private struct State {
        var channels: [String: Listeners] = [:]
        /// Each socket's channels, to leave them all when it goes.
        var joined: [ObjectIdentifier: Set<String>] = [:]
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
        try await self.add(connection, to: channel)
        self.state.withLockedValue { state in
            if state.channels[channel] != nil { state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, lastSeq) }
        }
    }

    func leave(_ connection: SocketConnection, conversation: UUID) async {
        await self.remove(connection, from: [BusChannel.conversation(conversation)])
    }

    func isInRoom(_ connection: SocketConnection, conversation: UUID) -> Bool {
        self.state.withLockedValue { $0.joined[ObjectIdentifier(connection)]?.contains(BusChannel.conversation(conversation)) ?? false }
    }

    /// Listens to the user's own channel for this socket (notifications, status changes).
    func register(_ connection: SocketConnection, user: UUID) async throws {
        try await self.add(connection, to: BusChannel.user(user))
    }

    /// Takes the socket out of everything it joined.
    func unregister(_ connection: SocketConnection) async {
        let channels = self.state.withLockedValue { $0.joined[ObjectIdentifier(connection)] ?? [] }
        await self.remove(connection, from: Array(channels))
    }

    /// The number of channels this gateway listens to, and sockets behind them.
    var counts: (channels: Int, memberships: Int) {
        self.state.withLockedValue { state in (state.channels.count, state.joined.values.reduce(0) { $0 + $1.count }) }
    }

    private func add(_ connection: SocketConnection, to channel: String) async throws {
        let key = ObjectIdentifier(connection)
        self.state.withLockedValue { state in
            state.channels[channel, default: Listeners()].sockets[key] = connection
            state.joined[key, default: []].insert(channel)
        }
        // Every joiner goes through the subscriber, not just the first: a later one must
        // not be acknowledged while the first one's SUBSCRIBE is still unconfirmed.
        try await self.reconcile(channel)
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

    /// An event heard on a channel: framed once, written to each socket behind the channel
    /// (but the skipped user's), once per event id.
    func deliver(_ envelope: BusEnvelope, on channel: String) {
        let sockets: [SocketConnection] = self.state.withLockedValue { state in
            guard state.channels[channel] != nil else { return [] }
            if let id = envelope.id, !state.channels[channel]!.recent.insert(id) { return [] }
            if let seq = envelope.seq { state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, seq) }
            return Array(state.channels[channel]!.sockets.values)
        }
        guard !sockets.isEmpty else { return }
        let frame = SocketIOFrame.event(envelope.event, data: envelope.data)
        for socket in sockets where envelope.skipUser == nil || socket.userID != envelope.skipUser {
            socket.send(frame)
        }
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
                        self.deliver(try BusEnvelope(event: ServerEvent.newMessage, id: message.id.uuidString, seq: message.seq, encoding: message), on: room.channel)
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
