import EventBus
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SocketIO

/// The gateway's local view of who listens to what: each conversation's joined sockets
/// and each user's sockets (the `Fanout` keeps the Redis subscriptions in line with it).
/// An event is framed once, and written to its sockets with one task per event loop.
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

    /// Adds the socket to the channel's room, whose newest message is `lastSeq`.
    func add(_ connection: SocketConnection, to channel: String, lastSeq: Int64) {
        let key = ObjectIdentifier(connection)
        self.state.withLockedValue { state in
            state.channels[channel, default: Listeners()].sockets[key] = connection
            state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, lastSeq)
            state.joined[key, default: []].insert(channel)
        }
    }

    /// Whether any socket here is in the channel's room.
    func wants(_ channel: String) -> Bool {
        self.state.withLockedValue { $0.channels[channel] != nil }
    }

    func isInRoom(_ connection: SocketConnection, conversation: UUID) -> Bool {
        self.state.withLockedValue { $0.joined[ObjectIdentifier(connection)]?.contains(BusChannel.conversation(conversation)) ?? false }
    }

    /// Counts the socket among its user's, for the events addressed to that user.
    func register(_ connection: SocketConnection, user: UUID) {
        self.state.withLockedValue { $0.users[user, default: [:]][ObjectIdentifier(connection)] = connection }
    }

    /// Takes the socket out of its user's sockets; returns the channels it had joined.
    func unregister(_ connection: SocketConnection) -> [String] {
        let key = ObjectIdentifier(connection)
        return self.state.withLockedValue { state in
            if let user = connection.userID {
                state.users[user]?[key] = nil
                if state.users[user]?.isEmpty == true { state.users[user] = nil }
            }
            return Array(state.joined[key] ?? [])
        }
    }

    /// Takes the socket out of the channels' rooms; returns those now empty.
    func remove(_ connection: SocketConnection, from channels: [String]) -> [String] {
        let key = ObjectIdentifier(connection)
        return self.state.withLockedValue { state in
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

    /// Each conversation room with a member's token to read its history on their behalf,
    /// and the newest seq delivered to it.
    func catchUpTargets() -> [(channel: String, conversation: UUID, after: Int64, token: String)] {
        self.state.withLockedValue { state in
            state.channels.compactMap { channel, listeners in
                guard let conversation = BusChannel.conversationID(of: channel),
                    let token = listeners.sockets.values.lazy.compactMap(\.token).first
                else { return nil }
                return (channel, conversation, listeners.lastSeq, token)
            }
        }
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
