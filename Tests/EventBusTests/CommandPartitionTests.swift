import EventBus
import Foundation
import Testing

@Suite struct CommandPartitionTests {
    @Test func onePartitionIsTheStreamAsItWas() {
        #expect(CommandStream.keys(partitions: 1) == ["chat:commands"])
        #expect(CommandStream.keys(partitions: 3) == ["chat:commands", "chat:commands:1", "chat:commands:2"])
        #expect(CommandStream.partition(of: UUID(), among: 1) == 0)
    }

    @Test func aConversationAlwaysHasTheSamePartitionOnEveryInstance() throws {
        // Fixed by the id alone (no per-process hashing seed), so every gateway agrees.
        let conversation = try #require(UUID(uuidString: "6F1C2A9E-3B4D-4E5F-8A7B-0C1D2E3F4A5B"))
        #expect(CommandStream.partition(of: conversation, among: 4) == Int(0x8A7B_0C1D_2E3F_4A5B as UInt64 % 4))
        #expect(CommandStream.partition(of: conversation, among: 4) == CommandStream.partition(of: conversation, among: 4))
    }

    @Test func conversationsSpreadOverEveryPartition() {
        var counts = [Int](repeating: 0, count: 8)
        for _ in 0..<8_000 { counts[CommandStream.partition(of: UUID(), among: 8)] += 1 }
        // 1,000 expected in each: random ids never leave one under 800.
        #expect(counts.allSatisfy { $0 > 800 }, "\(counts)")
    }
}
