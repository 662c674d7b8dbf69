import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import SocketIO
import Testing

@testable import GatewayApp

/// The Engine.IO handler on an embedded channel: no sockets, time under the test's control.
@Suite struct EngineIOHandlerTests {
    struct Harness {
        let channel = EmbeddedChannel()
        let packets: AsyncStream<SocketIOPacket>
        let settings: RealtimeSettings

        init(settings: RealtimeSettings = RealtimeSettings(pingInterval: .seconds(25), pingTimeout: .seconds(20))) throws {
            self.settings = settings
            let (packets, inbound) = AsyncStream.makeStream(of: SocketIOPacket.self, bufferingPolicy: .bufferingOldest(16))
            self.packets = packets
            let connection = SocketConnection(engineID: "engine-sid", channel: self.channel, requestHeaders: HTTPHeaders())
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            try self.channel.pipeline.syncOperations.addHandler(
                EngineIOHandler(settings: settings, connection: connection, inbound: inbound, logger: TestEnvironment.logger)
            )
        }

        func send(_ text: String) throws {
            try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        }

        func sendBinary() throws {
            try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        }

        /// The text frames written so far.
        func written() throws -> [String] {
            var texts: [String] = []
            while let frame = try self.channel.readOutbound(as: WebSocketFrame.self) {
                texts.append(frame.opcode == .connectionClose ? "close \(frame.data.getInteger(at: frame.data.readerIndex, as: UInt16.self) ?? 0)" : String(buffer: frame.data))
            }
            return texts
        }

        func received() async -> [SocketIOPacket] {
            var packets: [SocketIOPacket] = []
            var iterator = self.packets.makeAsyncIterator()
            while let packet = await iterator.next() { packets.append(packet) }
            return packets
        }
    }

    @Test func theServerOpensPingsAndDropsAClientThatStopsAnswering() throws {
        let harness = try Harness()
        let open = try harness.written()
        #expect(open == [#"0{"sid":"engine-sid","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":131072}"#])
        try harness.send("40")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(25))
        #expect(try harness.written() == ["2"])
        try harness.send("3")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(25))
        #expect(try harness.written() == ["2"])
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        #expect(try harness.written() == ["close 1000"])
        #expect(!harness.channel.isActive)
    }

    @Test func aConnectionWithoutCONNECTIsClosed() throws {
        let harness = try Harness()
        _ = try harness.written()
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(11))
        #expect(try harness.written() == ["close 1008"])
    }

    @Test func socketIOPacketsGoToTheSession() async throws {
        let harness = try Harness()
        try harness.send(#"40{"token":"t"}"#)
        try harness.send(#"421["join_conversation",{"conversationId":"x"}]"#)
        try harness.send("41")
        try await harness.channel.close().get()
        let packets = await harness.received()
        #expect(packets.map(\.type) == [.connect, .event, .disconnect])
        #expect(packets[1].ackID == 1)
    }

    @Test(arguments: ["hello", "", "7", "2", "5", "0{}", "4", "4x", "49"])
    func protocolViolationsCloseTheConnection(frame: String) throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.send(frame)
        #expect(try harness.written() == ["close 1002"])
        #expect(!harness.channel.isActive)
    }

    @Test func eventsBeyondTheAllowanceAreRefusedInTheirAck() throws {
        let harness = try Harness(settings: RealtimeSettings(eventBurst: 2, eventsPerSecond: 1))
        _ = try harness.written()
        try harness.send("40")
        for id in 1...3 { try harness.send(#"42\#(id)["typing",{}]"#) }
        let refused = try harness.written()
        #expect(refused.count == 1)
        #expect(refused.first?.hasPrefix(#"433[{"error":{"code":"rate_limited""#) == true)
        #expect(harness.channel.isActive)
    }

    @Test func theAttachmentsOfARefusedBinaryEventAreSkippedAndNoMore() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.send("40")
        try harness.send(#"452-1["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        try harness.sendBinary()
        try harness.sendBinary()
        #expect(harness.channel.isActive)
        try harness.sendBinary()
        #expect(try harness.written().last == "close 1003")
        #expect(!harness.channel.isActive)
    }

    @Test func aReaderTooSlowForWhatItIsSentIsDisconnected() throws {
        let harness = try Harness(settings: RealtimeSettings(maxOutboundBytes: 10_000))
        _ = try harness.written()
        harness.channel.isWritable = false
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(repeating: 1, count: 4_000))
        harness.channel.writeAndFlush(frame, promise: nil)
        harness.channel.writeAndFlush(frame, promise: nil)
        #expect(harness.channel.isActive)
        harness.channel.writeAndFlush(frame, promise: nil)
        #expect(!harness.channel.isActive)
    }

    @Test func aReaderThatCatchesUpIsForgiven() throws {
        let harness = try Harness(settings: RealtimeSettings(maxOutboundBytes: 10_000))
        _ = try harness.written()
        let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(repeating: 1, count: 4_000))
        for _ in 0..<5 {
            harness.channel.isWritable = false
            harness.channel.writeAndFlush(frame, promise: nil)
            harness.channel.writeAndFlush(frame, promise: nil)
            harness.channel.isWritable = true
            harness.channel.pipeline.fireChannelWritabilityChanged()
        }
        #expect(harness.channel.isActive)
    }

    @Test func webSocketPingsAreAnsweredAndACloseIsReturned() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi")))
        let pong = try harness.channel.readOutbound(as: WebSocketFrame.self)
        #expect(pong?.opcode == .pong && pong.map { String(buffer: $0.data) } == "hi")
        try harness.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer()))
        #expect(try harness.written() == ["close 1000"])
    }
}

@Suite struct RealtimePartsTests {
    @Test(arguments: [
        ("/socket.io/?EIO=4&transport=websocket", SocketHandshake.accept),
        ("/socket.io?transport=websocket&EIO=4&t=N8hyd6w", .accept),
        ("/api/socket/?EIO=4&transport=websocket&b64=1&sid=x", .accept),
        ("/api/socket?EIO=4&transport=websocket", .accept),
        ("/socket.io/?EIO=3&transport=websocket", .refuse(code: 5, message: "Unsupported protocol version")),
        ("/socket.io/?transport=websocket", .refuse(code: 5, message: "Unsupported protocol version")),
        ("/socket.io/?EIO=4&transport=polling", .refuse(code: 0, message: "Transport unknown")),
        ("/socket.io/?EIO=4", .refuse(code: 0, message: "Transport unknown")),
        ("/api/chat/conversations", .notSocketIO),
        ("/socket.iox/?EIO=4&transport=websocket", .notSocketIO),
    ])
    func upgradeRequestsAreReadByName(uri: String, expected: SocketHandshake) {
        #expect(SocketHandshake(uri: uri, paths: ["/socket.io", "/api/socket"]) == expected)
    }

    @Test func recentIDsForgetTheOldest() {
        var recent = RecentIDs(capacity: 3)
        let inserted = ["a", "b", "c", "a", "d", "a", "c", "d"].map { recent.insert($0) }
        // The fourth repeats "a"; "d" pushes "a" out, so it is new again (and pushes "b" out).
        #expect(inserted == [true, true, true, false, true, true, false, false])
    }

    @Test func theTokenBucketRefillsAtItsRate() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var bucket = TokenBucket(burst: 2, perSecond: 4, now: start)
        let offsets: [TimeAmount] = [.zero, .zero, .zero, .milliseconds(250), .milliseconds(260), .seconds(10), .seconds(10), .seconds(10)]
        let taken = offsets.map { bucket.take(now: start + $0) }
        #expect(taken == [true, true, false, true, false, true, true, false])
    }
}
