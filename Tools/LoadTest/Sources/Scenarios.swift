import Foundation
import NIOCore

/// How clients prove who they are: a token per user from the REST API, or (for servers
/// without accounts, like the python-socketio peer) a made-up user id.
public enum Identity: Sendable {
    case tokens([String])
    case anonymous

    func auth(_ index: Int) -> ByteBuffer {
        switch self {
        case .tokens(let tokens): ByteBuffer(string: "{\"token\":\"\(tokens[index % tokens.count])\"}")
        case .anonymous: ByteBuffer(string: "{\"userId\":\"load-\(index)\"}")
        }
    }
}

/// N sockets opened at R a second, held for T, closed: connection capacity and handshake cost.
public struct StormScenario: Sendable {
    public var sockets: Int
    public var rate: Double
    public var hold: Duration

    public init(sockets: Int, rate: Double, hold: Duration) {
        self.sockets = sockets
        self.rate = rate
        self.hold = hold
    }

    public func run(on load: LoadRun, identity: Identity) async -> LoadReport {
        let progress = load.reportProgress("storm")
        load.mark("connecting")
        let start = ContinuousClock.now
        let sockets = await load.connect(self.sockets, rate: self.rate, auth: identity.auth)
        let connectSeconds = start.duration(to: .now).seconds
        try? await Task.sleep(for: self.hold)
        progress.cancel()
        let totals = await load.board.totals()
        await load.close(sockets)
        load.mark("closed")
        return LoadReport(
            scenario: "storm",
            parameters: ["sockets": "\(self.sockets)", "rate": "\(Int(self.rate))/s", "hold": "\(self.hold)"],
            totals: totals,
            connectSeconds: connectSeconds,
            sendSeconds: 0,
            expected: 0,
            lost: 0
        )
    }
}

/// Clients in rooms of K (conversations spanning every gateway), S of them sending at a
/// fixed rate, every message acked once stored and delivered to the whole room (the
/// sender included). Fan-out and the acked end-to-end path are this with different shapes.
public struct RoomScenario: Sendable {
    public var name: String
    public var clients: Int
    public var roomSize: Int
    public var senders: Int
    /// Messages a second, per sender.
    public var rate: Double
    public var duration: Duration
    public var connectRate: Double
    /// How long to wait after the last send for acks and deliveries still on their way.
    public var drain: Duration

    public init(
        name: String,
        clients: Int,
        roomSize: Int,
        senders: Int,
        rate: Double,
        duration: Duration,
        connectRate: Double,
        drain: Duration = .seconds(10)
    ) {
        self.name = name
        self.clients = clients
        self.roomSize = max(1, min(roomSize, clients))
        self.senders = max(1, min(senders, clients))
        self.rate = rate
        self.duration = duration
        self.connectRate = connectRate
        self.drain = drain
    }

    /// Client i is in room i / K; the n-th sender is in room n mod rooms, so senders
    /// spread over the rooms.
    public var rooms: Int { (self.clients + self.roomSize - 1) / self.roomSize }

    public func senderIndices() -> [Int] {
        (0..<self.senders).map { n in (n % self.rooms) * self.roomSize + n / self.rooms }.filter { $0 < self.clients }
    }

    public func run(on load: LoadRun, identity: Identity, conversations: [String]) async throws -> LoadReport {
        let connectStart = ContinuousClock.now
        let progress = load.reportProgress(self.name)
        defer { progress.cancel() }
        let sockets = await load.connect(self.clients, rate: self.connectRate, auth: identity.auth)
        let connectSeconds = connectStart.duration(to: .now).seconds

        var joins: [EventLoopFuture<Bool>] = []
        for (index, socket) in sockets.enumerated() {
            guard let socket else { continue }
            let conversation = conversations[index / self.roomSize]
            joins.append(socket.eventLoop.flatSubmit { socket.value.join(conversation) })
        }
        var joined = 0
        for join in joins where (try? await join.get()) == true { joined += 1 }
        guard joined > 0 else { throw LoadTestError.setup("no client could join its room") }

        let senders = self.senderIndices().compactMap { index in
            sockets[index].map { (socket: $0, conversation: conversations[index / self.roomSize]) }
        }
        load.mark("sending")
        let sendStart = ContinuousClock.now
        let sendStartClock = Clock.now()
        let schedules = await SendSchedule.start(senders, rate: self.rate, duration: self.duration, group: load.group)
        try? await Task.sleep(for: self.duration)
        for schedule in schedules { schedule.stop() }
        let sendSeconds = sendStart.duration(to: .now).seconds
        await self.waitForDrain(load.board)
        load.mark("drained")
        progress.cancel()

        let (expected, lost) = await self.losses(sockets)
        let totals = await load.board.totals()
        await load.close(sockets)
        // A backend that falls behind delivers after the sends stop: its throughput is
        // what it delivered until the last delivery, not per second of sending.
        let deliverySeconds = max(sendSeconds, Double(totals.lastDelivery > sendStartClock ? totals.lastDelivery - sendStartClock : 0) / 1e9)
        return LoadReport(
            scenario: self.name,
            parameters: [
                "clients": "\(self.clients)", "room": "\(self.roomSize)", "senders": "\(senders.count)", "rate": "\(self.rate)/s each",
                "duration": "\(self.duration)", "joined": "\(joined)",
            ],
            totals: totals,
            connectSeconds: connectSeconds,
            sendSeconds: sendSeconds,
            deliverySeconds: deliverySeconds,
            expected: expected,
            lost: lost
        )
    }

    /// Until every send is answered and deliveries stop coming, or `drain` passes.
    private func waitForDrain(_ board: StatsBoard) async {
        let deadline = ContinuousClock.now + self.drain
        var last = await board.counts()
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(250))
            let now = await board.counts()
            if now.acked + now.ackErrors >= now.sent && now.delivered == last.delivered { return }
            last = now
        }
    }

    /// Deliveries owed (each acked message to each member of its room) and those missing.
    private func losses(_ sockets: [NIOLoopBound<LoadSocket>?]) async -> (expected: Int, lost: Int) {
        struct Seen: Sendable {
            var acked: Bitset
            var received: [Int: Bitset]
        }
        var seen: [Int: Seen] = [:]
        for (index, socket) in sockets.enumerated() {
            guard let socket else { continue }
            seen[index] = try? await socket.eventLoop.submit { Seen(acked: socket.value.acked, received: socket.value.received) }.get()
        }
        var expected = 0
        var lost = 0
        for sender in self.senderIndices() {
            guard let acked = seen[sender]?.acked, acked.count > 0 else { continue }
            let room = sender / self.roomSize
            for member in (room * self.roomSize)..<min(self.clients, (room + 1) * self.roomSize) {
                expected += acked.count
                lost += acked.subtracting(seen[member]?.received[sender] ?? Bitset())
            }
        }
        return (expected, lost)
    }
}

/// The senders of one event loop, each sending on a fixed schedule (open loop: a slow
/// server does not slow the offered load down), checked every millisecond.
final class SendSchedule: Sendable {
    private struct Sender {
        let socket: LoadSocket
        let conversation: String
        var next: UInt64
        var number = 0
    }

    private let loop: any EventLoop
    private let task: NIOLoopBoundBox<RepeatedTask?>

    private init(loop: any EventLoop, senders: [NIOLoopBound<LoadSocket>], conversations: [String], interval: UInt64, end: UInt64) {
        self.loop = loop
        self.task = NIOLoopBoundBox(nil, eventLoop: loop)
        let start = Clock.now()
        let count = UInt64(max(1, senders.count))
        let state = NIOLoopBoundBox(
            zip(senders, conversations).enumerated().map { offset, pair in
                // Staggered over one interval, so that the load is even rather than in bursts.
                Sender(socket: pair.0.value, conversation: pair.1, next: start + interval * UInt64(offset) / count)
            },
            eventLoop: loop
        )
        self.task.value = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
            let now = Clock.now()
            for index in state.value.indices {
                while state.value[index].next <= now && state.value[index].next < end {
                    state.value[index].socket.send(state.value[index].number, to: state.value[index].conversation)
                    state.value[index].number += 1
                    state.value[index].next += interval
                }
            }
        }
    }

    static func start(
        _ senders: [(socket: NIOLoopBound<LoadSocket>, conversation: String)],
        rate: Double,
        duration: Duration,
        group: any EventLoopGroup
    ) async -> [SendSchedule] {
        let interval = UInt64(1e9 / max(rate, 0.001))
        let end = Clock.now() + UInt64(duration.seconds * 1e9)
        var byLoop: [ObjectIdentifier: [(socket: NIOLoopBound<LoadSocket>, conversation: String)]] = [:]
        for sender in senders { byLoop[ObjectIdentifier(sender.socket.eventLoop), default: []].append(sender) }
        var schedules: [SendSchedule] = []
        for senders in byLoop.values {
            let loop = senders[0].socket.eventLoop
            let sockets = senders.map(\.socket)
            let conversations = senders.map(\.conversation)
            schedules.append(
                try! await loop.submit { SendSchedule(loop: loop, senders: sockets, conversations: conversations, interval: interval, end: end) }
                    .get()
            )
        }
        return schedules
    }

    func stop() {
        self.loop.execute { self.task.value?.cancel() }
    }
}
