import Logging

/// Which master owns each of a cluster's slots, as `CLUSTER SLOTS` tells it.
struct ClusterTopology: Sendable, Equatable {
    /// Every master, each once; `owners` holds indexes into it.
    private(set) var masters: [RedisNodeAddress] = []
    /// Each master's replicas, by the master's index.
    private(set) var replicas: [[RedisNodeAddress]] = []
    private var owners = [UInt16](repeating: Self.unowned, count: HashSlot.count)
    private static let unowned = UInt16.max

    init() {}

    /// Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …], replica…], …]`.
    /// A node that does not know its own address says `""` or `"?"`: it is `answeredBy`.
    init(slots reply: RESPValue, answeredBy: RedisNodeAddress) throws(RedisError) {
        guard let ranges = reply.array else { throw .protocolError("CLUSTER SLOTS reply") }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].int.flatMap(HashSlot.init),
                let end = parts[1].int.flatMap(HashSlot.init), start <= end
            else { throw .protocolError("CLUSTER SLOTS range") }
            let master = try Self.node(parts[2], answeredBy: answeredBy)
            let index: Int
            if let known = self.masters.firstIndex(of: master) {
                index = known
            } else {
                index = self.masters.count
                self.masters.append(master)
                var replicas: [RedisNodeAddress] = []
                for replica in parts.dropFirst(3) { replicas.append(try Self.node(replica, answeredBy: answeredBy)) }
                self.replicas.append(replicas)
            }
            for slot in Int(start.value)...Int(end.value) { self.owners[slot] = UInt16(index) }
        }
    }

    /// Asks the nodes in turn (`slots` sends `CLUSTER SLOTS` to one) until one answers with
    /// masters; a node cut off from the rest may know none.
    static func ask(
        _ nodes: [RedisNodeAddress],
        logger: Logger,
        slots: @Sendable (RedisNodeAddress) async throws -> RESPValue
    ) async throws -> ClusterTopology {
        var asked: Set<RedisNodeAddress> = []
        var lastError: any Error = RedisError.unavailable
        for node in nodes where asked.insert(node).inserted {
            do {
                let topology = try ClusterTopology(slots: try await slots(node), answeredBy: node)
                if !topology.masters.isEmpty { return topology }
            } catch {
                lastError = error
            }
        }
        logger.warning("no Redis Cluster node told its layout", metadata: ["error": "\(lastError)"])
        throw RedisError.unavailable
    }

    private static func node(_ value: RESPValue, answeredBy: RedisNodeAddress) throws(RedisError) -> RedisNodeAddress {
        guard let parts = value.array, parts.count >= 2, let host = parts[0].string, let port = parts[1].int else {
            throw .protocolError("CLUSTER SLOTS node")
        }
        return RedisNodeAddress(host: host.isEmpty || host == "?" ? answeredBy.host : host, port: port)
    }

    /// The master serving `slot`, if any does.
    func master(for slot: HashSlot) -> RedisNodeAddress? {
        let index = self.owners[Int(slot.value)]
        return index == Self.unowned ? nil : self.masters[Int(index)]
    }

    /// Where the command goes: its slot's master, or for a keyless command the first master.
    func master(for route: RedisRoute) -> RedisNodeAddress? {
        switch route {
        case .anyNode: self.masters.first
        case .slot(let slot): self.master(for: slot)
        }
    }

    /// Every slot has a master.
    var coversEverySlot: Bool { !self.owners.contains(Self.unowned) }

    /// Records what a `MOVED` said: the slot is served by `node` now.
    mutating func move(_ slot: HashSlot, to node: RedisNodeAddress) {
        if let index = self.masters.firstIndex(of: node) {
            self.owners[Int(slot.value)] = UInt16(index)
        } else {
            self.owners[Int(slot.value)] = UInt16(self.masters.count)
            self.masters.append(node)
            self.replicas.append([])
        }
    }
}

/// A cluster's answer that a slot is served elsewhere: `MOVED` for good (update the map),
/// `ASK` for one command while the slot migrates (send `ASKING` first, keep the map).
struct ClusterRedirect: Sendable, Equatable {
    enum Kind: Sendable { case moved, ask }
    var kind: Kind
    var slot: HashSlot
    var node: RedisNodeAddress

    /// Reads `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381`.
    init?(error message: String) {
        let parts = message.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]).flatMap(HashSlot.init), let node = RedisNodeAddress(parts[2]) else { return nil }
        switch parts[0] {
        case "MOVED": self.kind = .moved
        case "ASK": self.kind = .ask
        default: return nil
        }
        self.slot = slot
        self.node = node
    }
}
