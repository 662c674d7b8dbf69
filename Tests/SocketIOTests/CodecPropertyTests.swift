import NIOCore
import SocketIO
import Testing

/// No input — random, truncated, mutated, deeply nested or huge — crashes or hangs the codec:
/// each either parses or throws, quickly.
@Suite struct CodecPropertyTests {
    /// A fixed-seed generator, so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [String] = [
        #"42["send_message",{"conversationId":"abc","content":"hi \"there\"","n":[1,2,{"x":null}]}]"#,
        #"451-/admin,7["upload",{"_placeholder":true,"num":0}]"#,
        #"40{"token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig"}"#,
        #"43/chat,99[{"ok":true,"message":{"seq":12}}]"#,
        "41", "3", "2probe",
    ]

    /// Runs the whole decode path a gateway runs on a text frame.
    func decode(_ frame: ByteBuffer) {
        guard let engine = try? EngineIOPacket(parsing: frame), engine.type == .message else { return }
        guard let packet = try? SocketIOPacket(parsing: engine.payload) else { return }
        if packet.type == .event || packet.type == .binaryEvent {
            _ = try? SocketIOEvent(packet: packet)
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SplitMix64(state: 1)
        let alphabet = Array(#"0123456789[]{}",:-/\ "abcnul"#.utf8) + [0, 0xFF, 0x7F, 0x1E]
        for _ in 0..<20_000 {
            let length = Int(random.next() % 64)
            let bytes = (0..<length).map { _ in
                random.next() % 3 == 0 ? UInt8(truncatingIfNeeded: random.next()) : alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            self.decode(ByteBuffer(bytes: bytes))
        }
    }

    @Test func truncatedAndMutatedFramesNeverCrashTheDecoder() {
        var random = SplitMix64(state: 2)
        for seed in Self.seeds {
            let bytes = Array(seed.utf8)
            for cut in 0...bytes.count { self.decode(ByteBuffer(bytes: bytes.prefix(cut))) }
            for _ in 0..<2_000 {
                var mutated = bytes
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position = Int(random.next() % UInt64(mutated.count))
                    switch random.next() % 3 {
                    case 0: mutated[position] = UInt8(truncatingIfNeeded: random.next())
                    case 1: mutated.remove(at: position)
                    default: mutated.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                    }
                    if mutated.isEmpty { break }
                }
                self.decode(ByteBuffer(bytes: mutated))
            }
        }
    }

    @Test func hugeAndDeepInputsAreRefusedQuickly() throws {
        let start = ContinuousClock.now
        let deep = "42[\"x\"," + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "]"
        #expect(throws: SocketIOProtocolError.self) {
            try SocketIOEvent(packet: SocketIOPacket(parsing: ByteBuffer(string: String(deep.dropFirst()))))
        }
        let unterminated = "2[\"" + String(repeating: "a", count: 1_000_000)
        #expect(throws: SocketIOProtocolError.self) { try SocketIOEvent(packet: SocketIOPacket(parsing: ByteBuffer(string: unterminated))) }
        let wide = "2[\"x\"" + String(repeating: ",1", count: 200_000) + "]"
        #expect(try SocketIOEvent(packet: SocketIOPacket(parsing: ByteBuffer(string: wide))).arguments.count == 200_000)
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
