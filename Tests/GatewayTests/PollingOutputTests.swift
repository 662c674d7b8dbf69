import ChatTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayApp

/// What a long-polling client's GETs collect.
@Suite struct PollingOutputTests {
    let loop = EmbeddedEventLoop()

    func collect(_ output: PollingOutput) -> (accepted: Bool, answer: EventLoopFuture<ByteBuffer>) {
        let promise = self.loop.makePromise(of: ByteBuffer.self)
        return (output.collect(promise), promise.futureResult)
    }

    @Test func packetsWaitingAreTakenAtOnceJoinedByTheSeparator() throws {
        let output = PollingOutput(maxBacklog: 1024)
        output.send(ByteBuffer(string: "2"))
        output.send(ByteBuffer(string: #"42["new_message",{}]"#))
        let (accepted, answer) = self.collect(output)
        #expect(accepted)
        #expect(String(buffer: try answer.wait()) == "2\u{1e}42[\"new_message\",{}]")
        // The next GET waits for the next packet.
        let (_, next) = self.collect(output)
        let answered = NIOLockedValueBox<ByteBuffer?>(nil)
        next.whenSuccess { buffer in answered.withLockedValue { $0 = buffer } }
        #expect(answered.withLockedValue { $0 } == nil)
        output.send(ByteBuffer(string: "3"))
        #expect(answered.withLockedValue { $0 }.map(String.init(buffer:)) == "3")
    }

    @Test func aSecondWaitingGetIsRefused() throws {
        let output = PollingOutput(maxBacklog: 1024)
        let first = self.loop.makePromise(of: ByteBuffer.self)
        let second = self.loop.makePromise(of: ByteBuffer.self)
        #expect(output.collect(first))
        #expect(!output.collect(second))
        second.fail(PollingSession.Refusal.overlappingPoll)  // as the session does
        output.close(.protocolViolation)
        #expect(String(buffer: try first.futureResult.wait()) == "1")
    }

    @Test func closingHandsOverTheLastPacketsAndTheClosePacketOnce() throws {
        let output = PollingOutput(maxBacklog: 1024)
        var reasons: [EngineIOStateMachine.CloseReason] = []
        output.onClose = { reasons.append($0) }
        output.send(ByteBuffer(string: "41"))
        output.close(.ended)
        output.close(.serverShutdown)
        output.send(ByteBuffer(string: "42[\"late\"]"))
        #expect(reasons == [.ended] && output.closing)
        #expect(String(buffer: try self.collect(output).answer.wait()) == "41\u{1e}1")
        #expect(String(buffer: try self.collect(output).answer.wait()) == "1")
    }

    @Test func aClientTooSlowToCollectIsLetGo() {
        let output = PollingOutput(maxBacklog: 100)
        var reasons: [EngineIOStateMachine.CloseReason] = []
        output.onClose = { reasons.append($0) }
        for _ in 0..<5 { output.send(ByteBuffer(repeating: 0x61, count: 30)) }
        #expect(reasons == [.backlogged])
    }

    @Test func anUpgradeReleasesTheWaitingGetAndHandsOverWhatWaitsButNoops() throws {
        let output = PollingOutput(maxBacklog: 1024)
        let (_, waiting) = self.collect(output)
        output.release()  // the probe
        #expect(String(buffer: try waiting.wait()) == "6")
        output.send(ByteBuffer(string: #"42["new_message",{}]"#))
        output.release()
        #expect(output.handOver().map { String(buffer: $0) } == [#"42["new_message",{}]"#])
        #expect(output.upgraded)
    }

    /// A session that upgraded and ended is freed: the polling output it left behind must not
    /// hold it (every browser with default options upgrades).
    @Test func anUpgradedSessionThatEndedIsFreed() throws {
        weak var freed: PollingSession?
        let ended = NIOLockedValueBox(false)
        do {
            let socket = EmbeddedChannel(loop: self.loop)
            let output = PollingOutput(maxBacklog: 1024)
            let connection = SocketConnection(
                engineID: "engine-sid",
                eventLoop: self.loop,
                output: SocketOutput(.polling(output)),
                authorization: nil
            )
            let engine = EngineIOSession(
                connection: connection,
                inbound: RecordingSink(),
                settings: RealtimeSettings(),
                logger: TestEnvironment.logger
            )
            let session = PollingSession(
                session: engine,
                output: output,
                clientAddress: nil,
                ended: { ended.withLockedValue { $0 = true } }
            )
            freed = session
            self.loop.execute { session.start() }
            self.loop.run()
            session.upgrade(to: socket)
            self.loop.run()
            connection.close(.clientClosed)  // the WebSocket's client goes
            self.loop.run()
            _ = try socket.finish(acceptAlreadyClosed: true)
        }
        #expect(ended.withLockedValue { $0 })
        #expect(freed == nil)
    }
}
