import LoadTestKit
import NIOCore
import Testing

@Suite struct ProbeTests {
    @Test func aProbeSurvivesTheServersJSONAroundIt() {
        let probe = Probe(sender: 17, number: 4021, sentAt: 123_456_789_012)
        let frame = ByteBuffer(string: #"["new_message",{"id":"x","seq":3,"content":"\#(probe.content)","senderId":"u"}]"#)
        #expect(Probe(in: frame) == probe)
        // python-socketio's json.dumps puts spaces after colons.
        let spaced = ByteBuffer(string: #"["new_message", {"content": "\#(probe.content)", "ts": null}]"#)
        #expect(Probe(in: spaced) == probe)
    }

    @Test(arguments: [
        #"["new_message",{"content":"hello"}]"#,
        #"["new_message",{"content":"lt|1|2"}]"#,
        #"["new_message",{"content":"lt|1|2|"}]"#,
        #"["new_message",{"content":"lt|a|2|3"}]"#,
        #"["new_message",{"contentType":"lt|1|2|3"}]"#,
        #"["new_message",{"content":"lt|1|2|3"#,
        #"["new_message",{"content":"lt|1|2|99999999999999999999999"}]"#,
    ])
    func anythingElseIsNoProbe(_ frame: String) {
        #expect(Probe(in: ByteBuffer(string: frame)) == nil)
    }

    @Test func acksAreReadAsTheyAreWritten() {
        #expect(FrameScan.isOK(ByteBuffer(string: #"[{"ok":true,"message":{}}]"#)))
        #expect(FrameScan.isOK(ByteBuffer(string: #"[{"ok": true}]"#)))
        #expect(!FrameScan.isOK(ByteBuffer(string: #"[{"error":{"code":"rate_limited","retryable":true}}]"#)))
        #expect(!FrameScan.isOK(ByteBuffer(string: #"[{"ok":false}]"#)))
    }

    @Test func eventsAreToldApartByTheirName() {
        let prefix = FrameScan.eventPrefix("new_message")
        #expect(FrameScan.payload(ByteBuffer(string: #"["new_message",{}]"#), startsWith: prefix))
        #expect(!FrameScan.payload(ByteBuffer(string: #"["notification",{}]"#), startsWith: prefix))
    }

    @Test func bitsetsCountWhatIsMissing() {
        var acked = Bitset()
        var received = Bitset()
        for n in [0, 1, 63, 64, 200] { acked.insert(n) }
        let first = received.insert(64)
        let again = received.insert(64)
        #expect(first && !again)
        received.insert(0)
        #expect(acked.count == 5)
        #expect(acked.subtracting(received) == 3)
        #expect(received.contains(64) && !received.contains(65) && !received.contains(-1))
    }

    @Test func sendersSpreadOverTheRooms() {
        let scenario = RoomScenario(name: "t", clients: 10, roomSize: 4, senders: 5, rate: 1, duration: .seconds(1), connectRate: 1)
        #expect(scenario.rooms == 3)
        // rooms 0, 1, 2, then the second member of rooms 0 and 1
        #expect(scenario.senderIndices() == [0, 4, 8, 1, 5])
    }
}
