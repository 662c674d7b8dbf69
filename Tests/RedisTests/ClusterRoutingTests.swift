import NIOCore
import Testing

@testable import Redis

@Suite struct ClusterRoutingTests {
    @Test func slotsAreCRC16OfTheKeyOrItsHashTag() {
        // The values Redis' own CLUSTER KEYSLOT gives.
        #expect(HashSlot(key: "123456789").value == 12739)
        #expect(HashSlot(key: "foo").value == 12182)
        #expect(HashSlot(key: "{user1000}.following") == HashSlot(key: "{user1000}.followers"))
        #expect(HashSlot(key: "{presence}:online") == HashSlot(key: "presence"))
        // An empty tag, or none closed, hashes the whole key.
        #expect(HashSlot(key: "foo{}{bar}") == HashSlot(key: Array("foo{}{bar}".utf8)))
        #expect(HashSlot(key: "foo{}{bar}") != HashSlot(key: "bar"))
        #expect(HashSlot(key: "foo{bar") != HashSlot(key: "bar"))
        #expect(HashSlot(key: "{a}{b}") == HashSlot(key: "a"))
    }

    @Test func aCommandGoesWhereItsKeyLives() {
        #expect(RedisCommand("GET", "foo").route == .slot(HashSlot(key: "foo")))
        #expect(RedisCommand("PUBLISH", "conv:1", "x").route == .slot(HashSlot(key: "conv:1")))
        #expect(RedisCommand("XGROUP", "CREATE", "stream", "group", "0").route == .slot(HashSlot(key: "stream")))
        #expect(RedisCommand("XREADGROUP", "GROUP", "g", "c", "COUNT", 5, "BLOCK", 10, "STREAMS", "s", ">").route == .slot(HashSlot(key: "s")))
        #expect(RedisCommand("EVAL", "return 1", 2, "{p}:a", "{p}:b", "arg").route == .slot(HashSlot(key: "p")))
        #expect(RedisCommand("EVAL", "return 1", 0, "arg").route == .anyNode)
        #expect(RedisCommand("PING").route == .anyNode)
        #expect(RedisCommand("CLUSTER", "SLOTS").route == .anyNode)
    }

    @Test func renamingKeepsTheArguments() {
        var renamed = ByteBuffer()
        var expected = ByteBuffer()
        RedisCommand("PUBLISH", "conv:1", .bytes(ByteBuffer(bytes: [0, 1]))).renamed("SPUBLISH").write(into: &renamed)
        RedisCommand("SPUBLISH", "conv:1", .bytes(ByteBuffer(bytes: [0, 1]))).write(into: &expected)
        #expect(renamed == expected)
    }

    @Test func theLayoutIsReadFromClusterSlots() throws {
        func node(_ host: String, _ port: Int) -> RESPValue {
            .array([.bulkString(ByteBuffer(string: host)), .integer(port), .bulkString(ByteBuffer(string: "id"))])
        }
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(10922), node("", 7001)]),
            .array([.integer(10923), .integer(16383), node("10.0.0.3", 7002)]),
            .array([.integer(100), .integer(100), node("10.0.0.3", 7002)]),
        ])
        var topology = try ClusterTopology(slots: reply, answeredBy: RedisNodeAddress(host: "10.0.0.9", port: 7001))
        #expect(topology.coversEverySlot)
        #expect(topology.masters.count == 3)
        #expect(topology.master(for: HashSlot(0)!) == RedisNodeAddress(host: "10.0.0.1", port: 7000))
        #expect(topology.master(for: HashSlot(100)!) == RedisNodeAddress(host: "10.0.0.3", port: 7002))
        // A node that does not know its address is where the answer came from.
        #expect(topology.master(for: HashSlot(6000)!) == RedisNodeAddress(host: "10.0.0.9", port: 7001))
        #expect(topology.replicas[0] == [RedisNodeAddress(host: "10.0.0.4", port: 7003)])
        topology.move(HashSlot(0)!, to: RedisNodeAddress(host: "10.0.0.5", port: 7005))
        #expect(topology.master(for: HashSlot(0)!) == RedisNodeAddress(host: "10.0.0.5", port: 7005))
        #expect(topology.master(for: HashSlot(1)!) == RedisNodeAddress(host: "10.0.0.1", port: 7000))

        let partial = try ClusterTopology(
            slots: .array([.array([.integer(0), .integer(10), node("a", 1)])]),
            answeredBy: RedisNodeAddress(host: "a", port: 1)
        )
        #expect(!partial.coversEverySlot)
        #expect(partial.master(for: HashSlot(11)!) == nil)
        #expect(throws: RedisError.self) {
            try ClusterTopology(slots: .array([.array([.integer(5), .integer(2), node("a", 1)])]), answeredBy: RedisNodeAddress(host: "a", port: 1))
        }
        #expect(throws: RedisError.self) {
            try ClusterTopology(
                slots: .array([.array([.integer(0), .integer(16384), node("a", 1)])]),
                answeredBy: RedisNodeAddress(host: "a", port: 1)
            )
        }
    }

    @Test func redirectionsAreRead() {
        let moved = ClusterRedirect(error: "MOVED 3999 127.0.0.1:6381")
        #expect(moved?.kind == .moved)
        #expect(moved?.slot == HashSlot(3999))
        #expect(moved?.node == RedisNodeAddress(host: "127.0.0.1", port: 6381))
        #expect(ClusterRedirect(error: "ASK 1 [::1]:7000")?.node == RedisNodeAddress(host: "::1", port: 7000))
        #expect(ClusterRedirect(error: "ASK 1 [::1]:7000")?.kind == .ask)
        #expect(ClusterRedirect(error: "MOVED 16384 127.0.0.1:6381") == nil)
        #expect(ClusterRedirect(error: "MOVED 1 :6381") == nil)
        #expect(ClusterRedirect(error: "ERR wrong") == nil)
    }

    @Test func nodeAddressesAreReadAsOperatorsWriteThem() {
        #expect(RedisNodeAddress("redis-0.redis:6379") == RedisNodeAddress(host: "redis-0.redis", port: 6379))
        #expect(RedisNodeAddress("[fe80::1]:7000")?.description == "[fe80::1]:7000")
        #expect(RedisNodeAddress("host") == nil)
        #expect(RedisNodeAddress("host:0") == nil)
        #expect(RedisNodeAddress("host:70000") == nil)
        #expect(RedisNodeAddress(":7000") == nil)
    }
}
