import Auth
import EventBus
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ServiceKit
import SocketIO

/// The gateway's local view of who listens to what: each conversation's joined sockets,
/// the sockets watching each user's status, and each user's sockets (the `Fanout` keeps
/// the Redis subscriptions in line with it).
/// An event is framed once, and written to its sockets with one task per event loop.
/// With connection-state recovery on, every message a room delivers goes out with an offset
/// and is logged, so that a socket that drops can tell later what it missed.
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
        /// The messages delivered lately, by offset (with recovery on).
        var log: DeliveryLog?

        mutating func grouped() -> [LoopSockets] {
            if let byLoop { return byLoop }
            let made = LoopSockets.group(self.sockets.values)
            self.byLoop = made
            return made
        }
    }

    private struct State {
        var channels: [String: Listeners] = [:]
        /// Each socket's channels, to leave them all when it goes, with the seq it had for
        /// sure in each (its floor, for recovery).
        var joined: [ObjectIdentifier: [String: Int64]] = [:]
        /// Each connected user's sockets on this gateway.
        var users: [UUID: [ObjectIdentifier: SocketConnection]] = [:]
        /// Ids of the user events delivered lately.
        var recentUserEvents = RecentIDs(capacity: 4096)
        /// The last offset given out (with recovery on).
        var offset: Int64 = 0
    }

    private let state = NIOLockedValueBox(State())
    /// The origin of this process's offsets; `nil`: recovery is off, events carry none.
    private let offsetOrigin: String?

    init(offsetOrigin: String? = nil) {
        self.offsetOrigin = offsetOrigin
    }

    /// Adds the socket to the channel's room, whose newest message is `lastSeq`, as the
    /// socket's floor there.
    func add(_ connection: SocketConnection, to channel: String, lastSeq: Int64) {
        let key = ObjectIdentifier(connection)
        self.state.withLockedValue { state in
            state.channels[channel, default: Listeners()].sockets[key] = connection
            state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, lastSeq)
            if self.offsetOrigin != nil, state.channels[channel]!.log == nil { state.channels[channel]!.log = DeliveryLog() }
            state.joined[key, default: [:]][channel] = lastSeq
        }
    }

    /// The socket surely has the channel's messages through `seq` (they were replayed to it).
    func raiseFloor(_ connection: SocketConnection, in channel: String, to seq: Int64) {
        self.state.withLockedValue { state in
            guard let floor = state.joined[ObjectIdentifier(connection)]?[channel] else { return }
            state.joined[ObjectIdentifier(connection)]![channel] = max(floor, seq)
        }
    }

    /// Where the socket is in each conversation it joined, for recovery.
    func positions(of connection: SocketConnection) -> [RoomPosition] {
        self.state.withLockedValue { state in
            (state.joined[ObjectIdentifier(connection)] ?? [:]).compactMap { channel, floor in
                guard let conversation = BusChannel.conversationID(of: channel) else { return nil }
                return state.channels[channel]?.log?.position(conversation: conversation, floor: floor)
                    ?? RoomPosition(conversation: conversation, floor: floor, deliveries: [])
            }
        }
    }

    /// A fresh offset for a message sent to one socket alone (a replay); `nil` with recovery off.
    func nextOffset() -> String? {
        guard let origin = self.offsetOrigin else { return nil }
        let counter = self.state.withLockedValue { state in
            state.offset += 1
            return state.offset
        }
        return EventOffset(origin: origin, counter: counter).text
    }

    /// Whether any socket here is in the channel's room.
    func wants(_ channel: String) -> Bool {
        self.state.withLockedValue { $0.channels[channel] != nil }
    }

    func isInRoom(_ connection: SocketConnection, conversation: UUID) -> Bool {
        self.state.withLockedValue { $0.joined[ObjectIdentifier(connection)]?[BusChannel.conversation(conversation)] != nil }
    }

    /// Counts the socket among its user's, for the events addressed to that user, unless the
    /// user already has `limit` sockets here.
    func register(_ connection: SocketConnection, user: UUID, limit: Int = .max) -> Bool {
        self.state.withLockedValue { state in
            guard state.users[user, default: [:]].count < limit else { return false }
            state.users[user, default: [:]][ObjectIdentifier(connection)] = connection
            return true
        }
    }

    /// Every socket registered to its user here.
    func connections() -> [SocketConnection] {
        self.state.withLockedValue { state in state.users.values.flatMap(\.values) }
    }

    /// The sockets of one user here.
    func connections(of user: UUID) -> [SocketConnection] {
        self.state.withLockedValue { state in state.users[user].map { Array($0.values) } ?? [] }
    }

    /// How many conversations the socket has joined.
    func roomCount(_ connection: SocketConnection) -> Int {
        self.state.withLockedValue { state in
            state.joined[ObjectIdentifier(connection)]?.keys.count { BusChannel.conversationID(of: $0) != nil } ?? 0
        }
    }

    /// Makes `channels` the status channels the socket listens to; returns them with those
    /// it left that are now empty, for the subscription to follow (each watcher waits for
    /// its channels' SUBSCRIBE, as each joiner does).
    func watch(_ connection: SocketConnection, channels: Set<String>) -> [String] {
        let key = ObjectIdentifier(connection)
        let watched = self.state.withLockedValue { state in
            let watched = Set((state.joined[key] ?? [:]).keys.filter(BusChannel.isStatus))
            for channel in channels.subtracting(watched) {
                state.channels[channel, default: Listeners()].sockets[key] = connection
                state.joined[key, default: [:]][channel] = 0
            }
            return watched
        }
        return Array(channels) + self.remove(connection, from: Array(watched.subtracting(channels)))
    }

    /// Takes the socket out of its user's sockets; returns the channels it had joined.
    func unregister(_ connection: SocketConnection) -> [String] {
        let key = ObjectIdentifier(connection)
        return self.state.withLockedValue { state in
            if let user = connection.userID {
                state.users[user]?[key] = nil
                if state.users[user]?.isEmpty == true { state.users[user] = nil }
            }
            return state.joined[key].map { Array($0.keys) } ?? []
        }
    }

    /// Takes every socket of `users` out of the conversation's room (they left it, or were
    /// removed); returns whether the room is now empty.
    func evict(_ users: [UUID], from conversation: UUID) -> Bool {
        let channel = BusChannel.conversation(conversation)
        return self.state.withLockedValue { state in
            guard state.channels[channel] != nil else { return false }
            for user in users {
                for key in (state.users[user] ?? [:]).keys {
                    state.joined[key]?[channel] = nil
                    if state.joined[key]?.isEmpty == true { state.joined[key] = nil }
                    state.channels[channel]?.sockets[key] = nil
                }
            }
            guard state.channels[channel]?.sockets.isEmpty == true else { return false }
            state.channels[channel] = nil
            return true
        }
    }

    /// Takes the socket out of the channels' rooms; returns those now empty.
    func remove(_ connection: SocketConnection, from channels: [String]) -> [String] {
        let key = ObjectIdentifier(connection)
        return self.state.withLockedValue { state in
            var emptied: [String] = []
            for channel in channels {
                state.joined[key]?[channel] = nil
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
    /// audience (but those in the skipped room); on a user's status channel, for the
    /// sockets watching them that are not in its audience (those had it on `users`).
    func deliver(_ envelope: BusEnvelope, on channel: String) {
        if channel == BusChannel.users {
            let groups = self.state.withLockedValue { Self.audience(of: envelope, in: &$0) }
            guard !groups.isEmpty else { return }
            return Self.write(ServerFrame(text: SocketIOFrame.event(envelope.event, data: envelope.data)), to: groups, skipping: .none)
        }
        // A room's messages are framed and written while the lock is held, so that every socket
        // gets them in offset order.
        self.state.withLockedValue { state in
            guard state.channels[channel] != nil else { return }
            if let id = envelope.id, !state.channels[channel]!.recent.insert(id) { return }
            var offset: String?
            if let seq = envelope.seq {
                state.channels[channel]!.lastSeq = max(state.channels[channel]!.lastSeq, seq)
                if let origin = self.offsetOrigin {
                    state.offset += 1
                    state.channels[channel]!.log?.record(offset: state.offset, seq: seq)
                    offset = EventOffset(origin: origin, counter: state.offset).text
                }
            }
            let text = SocketIOFrame.event(envelope.event, data: envelope.data, offset: offset)
            let frame = ServerFrame(text: text, room: envelope.seq.map { (channel, $0) })
            let skipping = Skipped(envelope, statusChannel: BusChannel.isStatus(channel))
            Self.write(frame, to: state.channels[channel]!.grouped(), skipping: skipping)
        }
    }

    /// Whose sockets an event passes by.
    private enum Skipped: Sendable {
        case none
        case user(UUID)
        case users(Set<UUID>)

        /// On a status channel the audience is passed by (it heard the event on the users
        /// channel); on a conversation's, the audience (those with a block between them and
        /// the typist) is passed by as well as `skipUser`.
        init(_ envelope: BusEnvelope, statusChannel: Bool) {
            if statusChannel {
                self = .users(Set(envelope.audience))
            } else if envelope.audience.isEmpty {
                self = envelope.skipUser.map(Self.user) ?? .none
            } else {
                self = .users(Set(envelope.audience + (envelope.skipUser.map { [$0] } ?? [])))
            }
        }

        /// Reads the socket's user (a lock) only if someone is skipped.
        func skips(_ socket: SocketConnection) -> Bool {
            switch self {
            case .none: false
            case .user(let skipped): socket.userID == skipped
            case .users(let skipped): socket.userID.map(skipped.contains) ?? false
            }
        }
    }

    private static func write(_ frame: ServerFrame, to groups: [LoopSockets], skipping skipped: Skipped) {
        for group in groups {
            group.eventLoop.execute {
                for socket in group.sockets where !skipped.skips(socket) {
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
            for (key, socket) in mine where inRoom[key] == nil && (envelope.connection == nil || envelope.connection == socket.engineID) {
                sockets.append(socket)
            }
        }
        return LoopSockets.group(sockets)
    }

    /// Each conversation room with a member's token to read its history on their behalf
    /// (the one that expires last: a socket ends when its token does, so none has expired),
    /// and the newest seq delivered to it.
    func catchUpTargets() -> [(channel: String, conversation: UUID, after: Int64, token: String)] {
        self.state.withLockedValue { state in
            state.channels.compactMap { channel, listeners in
                guard let conversation = BusChannel.conversationID(of: channel),
                    let token = listeners.sockets.values.max(by: {
                        ($0.verifiedToken?.expires ?? .distantPast) < ($1.verifiedToken?.expires ?? .distantPast)
                    })?.token
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
