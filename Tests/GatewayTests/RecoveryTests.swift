import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayApp

/// Connection-state recovery's arithmetic: from the last offset a client saw, where each
/// of its rooms resumes.
@Suite struct RecoveryTests {
    let conversation = UUID()

    func position(floor: Int64, _ deliveries: [(offset: Int64, seq: Int64)], dropped: (Int64, Int64)? = nil) -> RoomPosition {
        RoomPosition(
            conversation: self.conversation,
            floor: floor,
            deliveries: deliveries.map { RoomPosition.Delivery(offset: $0.offset, seq: $0.seq) },
            dropped: dropped.map { RoomPosition.Delivery(offset: $0.0, seq: $0.1) }
        )
    }

    @Test func resumesAfterTheLastMessageTheClientSaw() {
        let room = self.position(floor: 4, [(10, 5), (12, 6), (15, 7)])
        #expect(room.resume(after: 12) == 6)
        #expect(room.resume(after: 13) == 6)  // an offset of another room in between
        #expect(room.resume(after: 15) == 7)
        #expect(room.resume(after: 99) == 7)
        #expect(room.resume(after: 3) == 4)  // saw nothing here: from its floor
        #expect(room.resume(after: nil) == 4)
    }

    @Test func resumesBeforeTheFirstMissedMessageWhenDeliveriesCameOutOfOrder() {
        // A catch-up after Redis came back delivered seq 5 after seq 7.
        let room = self.position(floor: 4, [(10, 6), (11, 7), (12, 5)])
        #expect(room.resume(after: 11) == 4)  // repeats 6 and 7 rather than lose 5
        #expect(room.resume(after: 12) == 7)
    }

    @Test func cannotTellOnceTheLogNoLongerReachesTheOffset() {
        let room = self.position(floor: 4, [(20, 9)], dropped: (19, 8))
        #expect(room.resume(after: 18) == nil)
        #expect(room.resume(after: 19) == 8)
        #expect(room.resume(after: 20) == 9)
    }

    @Test func theLogKeepsItsNewestAndMarksWhatFellOff() {
        var log = DeliveryLog()
        for seq in Int64(1)...Int64(DeliveryLog.capacity + 2) { log.record(offset: seq * 10, seq: seq) }
        let all = log.position(conversation: self.conversation, floor: 0)
        #expect(all.deliveries.count == DeliveryLog.capacity)
        #expect(all.deliveries.first?.seq == 3 && all.dropped == RoomPosition.Delivery(offset: 20, seq: 2))
        // Only what is newer than the socket's floor goes into its record.
        let recent = log.position(conversation: self.conversation, floor: 128)
        #expect(recent.deliveries.map(\.seq) == [129, 130] && recent.dropped == nil)
    }

    @Test func anOffsetOfAnotherOriginMeansNothingWasSeenHere() {
        let record = RecoveryRecord(user: UUID(), sid: "s", pid: "p", origin: "here", rooms: [self.position(floor: 2, [(7, 3)])])
        #expect(record.resumePoints(offset: "here-7")?.map(\.after) == [3])
        #expect(record.resumePoints(offset: "elsewhere-7")?.map(\.after) == [2])
        #expect(record.resumePoints(offset: "not an offset")?.map(\.after) == [2])
        #expect(EventOffset("a-b-42") == EventOffset(origin: "a-b", counter: 42))
        #expect(EventOffset(origin: "a-b", counter: 42).text == "a-b-42")
    }

    @Test func aRecoveringSocketGetsItsReplayFirstAndNoMessageTwice() throws {
        let output = PollingOutput(maxBacklog: 1 << 20)
        let socket = SocketOutput(.polling(output))
        socket.hold()
        socket.write(ServerFrame(text: ByteBuffer(string: "held-5"), room: ("conv:a", 5)))
        socket.write(ServerFrame(text: ByteBuffer(string: "held-6"), room: ("conv:a", 6)))
        socket.write(ServerFrame(text: ByteBuffer(string: "typing")))
        socket.release(replay: [ByteBuffer(string: "replay-4"), ByteBuffer(string: "replay-5")], replayed: ["conv:a": 5])
        socket.write(ServerFrame(text: ByteBuffer(string: "live-7"), room: ("conv:a", 7)))
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: ByteBuffer.self)
        #expect(output.collect(promise))
        let packets = String(buffer: try promise.futureResult.wait()).split(separator: "\u{1e}")
        #expect(packets == ["replay-4", "replay-5", "held-6", "typing", "live-7"])
    }
}
