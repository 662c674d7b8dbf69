import NIOCore
import NIOEmbedded
import Testing

@testable import Redis

@Suite struct RESPCodecTests {
    @Test func commandsAreFormattedAsRESPArrays() {
        var buffer = ByteBuffer()
        RedisCommand("SET", "key", .bytes(ByteBuffer(bytes: [0, 13, 10, 255])), 42).write(into: &buffer)
        #expect(
            Array(buffer.readableBytesView) == Array("*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$4\r\n".utf8) + [0, 13, 10, 255]
                + Array("\r\n$2\r\n42\r\n".utf8)
        )
    }

    @Test func commandNameIsItsFirstArgument() {
        #expect(RedisCommand("XADD", "stream", "*").name == "XADD")
    }

    @Test func repliesAreDecodedWhateverTheChunking() throws {
        let wire = Array("+OK\r\n-ERR nope\r\n:-12\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n*-1\r\n".utf8)
        let expected: [RESPValue] = [
            .simpleString("OK"), .error("ERR nope"), .integer(-12), .bulkString(ByteBuffer(string: "he\r\no")), .null,
            .array([.array([.integer(1)]), .bulkString(ByteBuffer())]), .null,
        ]
        for chunkSize in [1, 2, 3, 7, wire.count] {
            let channel = EmbeddedChannel(handler: RESPReplyHandler())
            var index = 0
            while index < wire.count {
                let end = min(index + chunkSize, wire.count)
                try channel.writeInbound(ByteBuffer(bytes: wire[index..<end]))
                index = end
            }
            var decoded: [RESPValue] = []
            while let value = try channel.readInbound(as: RESPValue.self) { decoded.append(value) }
            #expect(decoded == expected, "chunk size \(chunkSize)")
            _ = try channel.finish()
        }
    }

    @Test func garbageIsAProtocolErrorThatClosesTheConnection() throws {
        let channel = EmbeddedChannel(handler: RESPReplyHandler())
        #expect(throws: RedisError.self) {
            try channel.writeInbound(ByteBuffer(string: "?what\r\n"))
        }
        #expect(!channel.isActive)
    }

    @Test func repliesCompleteCommandsInOrder() throws {
        let channel = EmbeddedChannel(handlers: [RedisCommandHandler()])
        let first = channel.eventLoop.makePromise(of: RESPValue.self)
        let second = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "a"), reply: first, deadline: .distantFuture))
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "b"), reply: second, deadline: .distantFuture))
        try channel.writeInbound(RESPValue.integer(1))
        try channel.writeInbound(RESPValue.integer(2))
        #expect(try first.futureResult.wait() == .integer(1))
        #expect(try second.futureResult.wait() == .integer(2))
    }

    @Test func closingFailsEveryWaitingCommand() throws {
        let channel = EmbeddedChannel(handlers: [RedisCommandHandler()])
        let waiting = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "a"), reply: waiting, deadline: .distantFuture))
        channel.pipeline.fireChannelInactive()
        #expect(throws: RedisError.connectionClosed) { try waiting.futureResult.wait() }
    }

    @Test func aLateReplyFailsItsCommandAndKeepsLaterRepliesInStep() throws {
        let channel = EmbeddedChannel(handlers: [RedisCommandHandler()])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        let loop = channel.embeddedEventLoop
        let slow = loop.makePromise(of: RESPValue.self)
        let patient = loop.makePromise(of: RESPValue.self)
        let next = loop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "a"), reply: slow, deadline: loop.now + .seconds(1)))
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "b"), reply: patient, deadline: loop.now + .seconds(10)))
        loop.advanceTime(by: .milliseconds(999))
        try channel.writeOutbound(RedisRequest(bytes: ByteBuffer(string: "c"), reply: next, deadline: loop.now + .milliseconds(500)))
        loop.advanceTime(by: .milliseconds(1))
        #expect(throws: RedisError.timeout) { try slow.futureResult.wait() }
        loop.advanceTime(by: .milliseconds(498))
        // "c" has waited 499 ms of its 500; "b" 1.5 s of its 10.
        try channel.writeInbound(RESPValue.integer(1))  // "a", late: dropped on its failed promise
        try channel.writeInbound(RESPValue.integer(2))
        #expect(try patient.futureResult.wait() == .integer(2))
        loop.advanceTime(by: .milliseconds(1))
        #expect(throws: RedisError.timeout) { try next.futureResult.wait() }
        try channel.writeInbound(RESPValue.integer(3))  // "c", late
        #expect(channel.isActive)
        // Three replies matched three commands: a fourth is one nobody asked for.
        #expect(throws: RedisError.self) { try channel.writeInbound(RESPValue.integer(4)) }
    }

    @Test func aReplyNobodyAskedForIsAProtocolError() throws {
        let channel = EmbeddedChannel(handlers: [RedisCommandHandler()])
        #expect(throws: RedisError.self) { try channel.writeInbound(RESPValue.integer(1)) }
        #expect(!channel.isActive)
    }

    @Test func redisURLsAreParsed() throws {
        let full = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6380/2")
        #expect(full.host == "cache.internal")
        #expect(full.port == 6380)
        #expect(full.password == "s@cret")
        #expect(full.database == 2)
        let plain = try RedisConfiguration(url: "redis://127.0.0.1")
        #expect(plain.port == 6379 && plain.password == nil && plain.database == 0)
        #expect(throws: RedisConfigurationError.self) { try RedisConfiguration(url: "http://127.0.0.1:6379") }
        #expect(throws: RedisConfigurationError.self) { try RedisConfiguration(url: "redis://host/db") }
    }

    @Test func backoffGrowsToItsCeiling() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (0..<8).map { _ in backoff.next() }
        #expect(delays[0] <= .milliseconds(100))
        #expect(delays.allSatisfy { $0 <= .seconds(1) })
        #expect(delays[7] >= .milliseconds(500))
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }
}
