import Auth
import ChatModels
import ChatTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import ServiceKit
import SocketIO
import Testing

@testable import GatewayApp

/// The Engine.IO handler on an embedded channel: no sockets, time under the test's control.
@Suite struct EngineIOHandlerTests {
    struct Harness {
        let channel = EmbeddedChannel()
        let inbox = RecordingSink()
        let settings: RealtimeSettings
        let connection: SocketConnection

        init(settings: RealtimeSettings = RealtimeSettings(pingInterval: .seconds(25), pingTimeout: .seconds(20))) throws {
            self.settings = settings
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            try self.channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            let output = try WebSocketOutput(
                channel: self.channel,
                engineID: "engine-sid",
                flushes: FlushQueue(eventLoop: self.channel.embeddedEventLoop, delay: settings.writeDelay),
                maxBacklog: settings.maxOutboundBytes,
                logger: TestEnvironment.logger
            )
            self.connection = SocketConnection(
                engineID: "engine-sid",
                eventLoop: self.channel.eventLoop,
                output: SocketOutput(.webSocket(output)),
                authorization: nil
            )
            try self.channel.pipeline.syncOperations.addHandler(
                EngineIOHandler(settings: settings, connection: self.connection, inbound: self.inbox, logger: TestEnvironment.logger)
            )
        }

        func send(_ text: String) throws {
            try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        }

        func sendBinary() throws {
            try self.channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1, 2, 3])))
        }

        /// The frames flushed so far, parsed from the bytes on the wire: a text frame's
        /// text, "close <code>", "pong <data>".
        func written() throws -> [String] {
            self.channel.embeddedEventLoop.run()  // the flushes of this pass
            var wire = ByteBuffer()
            while var bytes = try self.channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&bytes) }
            var frames: [String] = []
            while let first = wire.readInteger(as: UInt8.self), let second = wire.readInteger(as: UInt8.self) {
                #expect(first & 0x80 != 0 && second & 0x80 == 0)  // final, unmasked
                var length = Int(second & 0x7F)
                if length == 126 {
                    length = Int(wire.readInteger(as: UInt16.self)!)
                } else if length == 127 {
                    length = Int(wire.readInteger(as: UInt64.self)!)
                }
                guard let payload = wire.readSlice(length: length) else {
                    Issue.record("a frame cut short")
                    break
                }
                switch first & 0x0F {
                case 0x8: frames.append("close \(payload.getInteger(at: payload.readerIndex, as: UInt16.self) ?? 0)")
                case 0xA: frames.append("pong \(String(buffer: payload))")
                default: frames.append(String(buffer: payload))
                }
            }
            #expect(wire.readableBytes == 0)
            return frames
        }

    }

    @Test func theServerOpensPingsAndDropsAClientThatStopsAnswering() throws {
        let harness = try Harness()
        let open = try harness.written()
        #expect(open == [#"0{"sid":"engine-sid","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":131072}"#])
        try harness.send("40")
        // As the session does when it accepts the CONNECT (the harness's inbox only records).
        harness.connection.authenticate(
            VerifiedToken(identity: Identity(userID: UUID(), role: .student), issuedAt: 0, expires: Date().addingTimeInterval(3600)),
            token: "t",
            ids: .make(recoverable: false)
        )
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
        #expect(!harness.inbox.finished)
        try await harness.channel.close().get()
        let packets = harness.inbox.packets
        #expect(packets.map(\.type) == [.connect, .event, .disconnect])
        #expect(packets[1].ackID == 1)
        #expect(harness.inbox.finished)
    }

    @Test(arguments: ["hello", "", "7", "2", "5", "0{}", "4", "4x", "49"])
    func protocolViolationsCloseTheConnection(frame: String) throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.send(frame)
        #expect(try harness.written() == ["close 1002"])
        #expect(!harness.channel.isActive)
    }

    @Test func aClientWhoseEventsOutpaceTheirHandlingIsLetGo() throws {
        let harness = try Harness()
        _ = try harness.written()
        for id in 0..<16 { try harness.send(#"42\#(id)["typing",{}]"#) }  // the inbox's capacity
        #expect(harness.channel.isActive)
        try harness.send(#"4216["typing",{}]"#)
        #expect(try harness.written() == ["close 1008"])
        #expect(harness.inbox.finished)
    }

    @Test func aQuiescingServerClosesItsSocketsAsGoingAway() throws {
        let harness = try Harness()
        _ = try harness.written()
        harness.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(try harness.written() == ["close 1001"])
        #expect(!harness.channel.isActive)
        #expect(harness.inbox.finished)
    }

    @Test func aClientThatClosesItsSideIsLetGoAtOnce() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.send("40")
        harness.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try harness.written() == ["close 1000"])
        #expect(!harness.channel.isActive)
        #expect(harness.inbox.finished)
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
        harness.channel.pipeline.fireChannelWritabilityChanged()  // as a real channel tells it
        let text = ByteBuffer(repeating: 1, count: 4_000)
        harness.connection.send(text)
        harness.connection.send(text)
        #expect(harness.channel.isActive)
        harness.connection.send(text)
        #expect(!harness.channel.isActive)
    }

    @Test func aReaderThatCatchesUpIsForgiven() throws {
        let harness = try Harness(settings: RealtimeSettings(maxOutboundBytes: 10_000))
        _ = try harness.written()
        let text = ByteBuffer(repeating: 1, count: 4_000)
        for _ in 0..<5 {
            harness.channel.isWritable = false
            harness.channel.pipeline.fireChannelWritabilityChanged()
            harness.connection.send(text)
            harness.connection.send(text)
            harness.channel.isWritable = true
            harness.channel.pipeline.fireChannelWritabilityChanged()
        }
        #expect(harness.channel.isActive)
    }

    @Test func framesWrittenInOnePassAreFlushedOnceAfterIt() throws {
        let harness = try Harness()
        _ = try harness.written()
        let frame = ServerFrame(text: ByteBuffer(string: #"42["new_message",{}]"#))
        var flushes = 0
        try harness.channel.pipeline.syncOperations.addHandler(FlushCounter { flushes += 1 }, position: .first)
        for _ in 0..<3 { harness.connection.output.value.write(frame) }
        harness.connection.send(ByteBuffer(string: "431[{}]"))
        #expect(flushes == 0)
        #expect(try harness.written() == [#"42["new_message",{}]"#, #"42["new_message",{}]"#, #"42["new_message",{}]"#, "431[{}]"])
        #expect(flushes == 1)
        // Framed by length: a frame past 125 bytes and one past 65,535.
        for size in [126, 70_000] {
            harness.connection.send(ByteBuffer(repeating: UInt8(ascii: "x"), count: size))
            #expect(try harness.written() == [String(repeating: "x", count: size)])
        }
    }

    @Test func withAWriteDelayBroadcastsWaitForItAndGoOutInOneFlush() throws {
        let harness = try Harness(settings: RealtimeSettings(pingInterval: .seconds(25), pingTimeout: .seconds(20), writeDelay: .milliseconds(10)))
        #expect(try harness.written().count == 1)  // Engine.IO's open: the socket's own, not delayed
        var flushes = 0
        try harness.channel.pipeline.syncOperations.addHandler(FlushCounter { flushes += 1 }, position: .first)
        let frame = ServerFrame(text: ByteBuffer(string: #"42["new_message",{}]"#))
        harness.connection.output.value.write(frame)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(6))
        harness.connection.output.value.write(frame)
        #expect(try harness.written() == [])
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        #expect(try harness.written() == [] && flushes == 0)
        // Ten milliseconds after the first frame, not after the last: the delay is a bound.
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try harness.written() == [#"42["new_message",{}]"#, #"42["new_message",{}]"#])
        #expect(flushes == 1)
        // A packet of the socket's own (an ack) goes after this pass and takes a waiting
        // broadcast along; the delay's flush then finds nothing to do.
        harness.connection.output.value.write(frame)
        harness.connection.send(ByteBuffer(string: "431[{}]"))
        #expect(try harness.written() == [#"42["new_message",{}]"#, "431[{}]"])
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(10))
        #expect(try harness.written() == [] && flushes == 2)
        // A close is not held back, nor what was written before it.
        harness.connection.output.value.write(frame)
        harness.connection.output.value.close(.serverShutdown)
        #expect(try harness.written() == [#"42["new_message",{}]"#, "close 1001"])
    }

    /// Counts the flushes that reach the socket.
    final class FlushCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        let counted: () -> Void
        init(_ counted: @escaping () -> Void) { self.counted = counted }
        func flush(context: ChannelHandlerContext) {
            self.counted()
            context.flush()
        }
    }

    @Test func webSocketPingsAreAnsweredAndACloseIsReturned() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi")))
        #expect(try harness.written() == ["pong hi"])
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
        ("/socket.io/?EIO=3&transport=websocket", .refuse(EngineIOError(code: 5, message: "Unsupported protocol version"))),
        ("/socket.io/?transport=websocket", .refuse(EngineIOError(code: 5, message: "Unsupported protocol version"))),
        ("/socket.io/?EIO=4&transport=polling", .refuse(EngineIOError(code: 0, message: "Transport unknown"))),
        ("/socket.io/?EIO=4", .refuse(EngineIOError(code: 0, message: "Transport unknown"))),
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

/// Takes packets as a session's inbox would, up to a capacity, and keeps them.
final class RecordingSink: SocketPacketSink {
    private let state = NIOLockedValueBox((packets: [SocketIOPacket](), finished: false))
    let capacity: Int

    init(capacity: Int = 16) {
        self.capacity = capacity
    }

    var packets: [SocketIOPacket] { self.state.withLockedValue { $0.packets } }
    var finished: Bool { self.state.withLockedValue { $0.finished } }

    func accept(_ packet: SocketIOPacket) -> Bool {
        self.state.withLockedValue { state in
            guard state.packets.count < self.capacity else { return false }
            state.packets.append(packet)
            return true
        }
    }

    func finish() {
        self.state.withLockedValue { $0.finished = true }
    }
}
