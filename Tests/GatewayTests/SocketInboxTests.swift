import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import Testing

@testable import GatewayApp

/// A connection's packets are handled one at a time, in order, then its end once.
@Suite struct SocketInboxTests {
    /// Records what it handles; each packet takes a little while, so packets pile up behind
    /// it, and with a gate the first waits until the test opens it.
    struct SlowHandler: SocketPacketHandler {
        let log = NIOLockedValueBox<[String]>([])
        let inFlight = NIOLockedValueBox(0)
        let ended: AsyncStream<Void>.Continuation
        var gate: AsyncStream<Void>? = nil

        func handle(_ packet: SocketIOPacket) async {
            let overlapping = self.inFlight.withLockedValue { count in
                count += 1
                return count > 1
            }
            if let gate, packet.ackID == 0 {
                var opened = gate.makeAsyncIterator()
                await opened.next()
            }
            try? await Task.sleep(for: .milliseconds(1))
            self.log.withLockedValue { $0.append(overlapping ? "overlap" : "\(packet.ackID ?? -1)") }
            self.inFlight.withLockedValue { $0 -= 1 }
        }

        func end() async {
            self.log.withLockedValue { $0.append("end") }
            self.ended.yield()
        }
    }

    static func event(_ id: Int) -> SocketIOPacket {
        try! SocketIOPacket(parsing: ByteBuffer(string: #"2\#(id)["typing",{}]"#))
    }

    @Test func packetsAreHandledInOrderOneAtATimeAndTheEndComesLastOnce() async throws {
        let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
        let handler = SlowHandler(ended: endedContinuation)
        let inbox = SocketInbox(handler: handler, capacity: 1000)
        for id in 0..<100 { #expect(inbox.accept(Self.event(id))) }
        inbox.finish()
        inbox.finish()
        #expect(!inbox.accept(Self.event(100)))
        var iterator = ended.makeAsyncIterator()
        await iterator.next()
        try await Task.sleep(for: .milliseconds(50))  // a second end would have come by now
        #expect(handler.log.withLockedValue { $0 } == (0..<100).map(String.init) + ["end"])
    }

    @Test func aFullInboxRefusesAndKeepsWhatItHas() async throws {
        let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let handler = SlowHandler(ended: endedContinuation, gate: gate)
        let inbox = SocketInbox(handler: handler, capacity: 3)
        let accepted = (0..<10).map { inbox.accept(Self.event($0)) }
        // Three may wait, and a fourth if the first was already taken (it waits at the gate).
        #expect((3...4).contains(accepted.filter { $0 }.count))
        #expect(accepted[0..<3] == [true, true, true] && accepted.last == false)
        open.yield()
        inbox.finish()
        var iterator = ended.makeAsyncIterator()
        await iterator.next()
        let handled = handler.log.withLockedValue { $0 }
        #expect(handled == accepted.enumerated().filter(\.element).map { "\($0.offset)" } + ["end"])
    }

    @Test func whatWaitsIsBoundedInBytesToo() async throws {
        let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let handler = SlowHandler(ended: endedContinuation, gate: gate)
        let inbox = SocketInbox(handler: handler, capacity: 1000, maxBytes: 100_000)
        let big = SocketIOPacket(type: .event, payload: ByteBuffer(repeating: UInt8(ascii: "x"), count: 40_000))
        let accepted = (0..<6).map { _ in inbox.accept(big) }
        // The first is taken at once (it waits at the gate); two more fit in 100,000 bytes.
        #expect((2...3).contains(accepted.filter { $0 }.count) && accepted.last == false)
        open.yield()
        inbox.finish()
        var iterator = ended.makeAsyncIterator()
        await iterator.next()
    }

    @Test func anInboxFinishedWithNothingInItStillEnds() async {
        let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
        let handler = SlowHandler(ended: endedContinuation)
        SocketInbox(handler: handler, capacity: 3).finish()
        var iterator = ended.makeAsyncIterator()
        await iterator.next()
        #expect(handler.log.withLockedValue { $0 } == ["end"])
    }
}
