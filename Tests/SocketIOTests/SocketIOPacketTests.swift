import JSONKit
import NIOCore
import SocketIO
import Testing

/// Fixtures from the socket.io-protocol (v5) and engine.io-protocol (v4) documents.
@Suite struct SocketIOPacketTests {
    func parse(_ text: String) throws -> SocketIOPacket {
        try SocketIOPacket(parsing: ByteBuffer(string: text))
    }

    @Test(arguments: [
        ("0", SocketIOPacket(type: .connect)),
        (
            "0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}",
            SocketIOPacket(type: .connect, namespace: "/admin", payload: ByteBuffer(string: "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}"))
        ),
        ("4{\"message\":\"Not authorized\"}", SocketIOPacket(type: .connectError, payload: ByteBuffer(string: "{\"message\":\"Not authorized\"}"))),
        ("2[\"foo\"]", SocketIOPacket(type: .event, payload: ByteBuffer(string: "[\"foo\"]"))),
        ("2/admin,[\"bar\"]", SocketIOPacket(type: .event, namespace: "/admin", payload: ByteBuffer(string: "[\"bar\"]"))),
        (
            "51-[\"baz\",{\"_placeholder\":true,\"num\":0}]",
            SocketIOPacket(type: .binaryEvent, attachments: 1, payload: ByteBuffer(string: "[\"baz\",{\"_placeholder\":true,\"num\":0}]"))
        ),
        (
            "52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
            SocketIOPacket(
                type: .binaryEvent,
                namespace: "/admin",
                attachments: 2,
                payload: ByteBuffer(string: "[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")
            )
        ),
        ("212[\"foo\"]", SocketIOPacket(type: .event, ackID: 12, payload: ByteBuffer(string: "[\"foo\"]"))),
        ("3/admin,13[\"bar\"]", SocketIOPacket(type: .ack, namespace: "/admin", ackID: 13, payload: ByteBuffer(string: "[\"bar\"]"))),
        (
            "61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]",
            SocketIOPacket(type: .binaryAck, attachments: 1, ackID: 15, payload: ByteBuffer(string: "[\"bar\",{\"_placeholder\":true,\"num\":0}]"))
        ),
        ("1", SocketIOPacket(type: .disconnect)),
        ("1/admin,", SocketIOPacket(type: .disconnect, namespace: "/admin")),
        ("0{\"token\":\"abc\"}", SocketIOPacket(type: .connect, payload: ByteBuffer(string: "{\"token\":\"abc\"}"))),
        ("0{}", SocketIOPacket(type: .connect, payload: ByteBuffer(string: "{}"))),
        ("0/admin", SocketIOPacket(type: .connect, namespace: "/admin")),
        ("20[\"zero ack id\"]", SocketIOPacket(type: .event, ackID: 0, payload: ByteBuffer(string: "[\"zero ack id\"]"))),
    ])
    func theSpecificationsExamplesParse(encoded: String, packet: SocketIOPacket) throws {
        #expect(try self.parse(encoded) == packet)
    }

    @Test(arguments: [
        SocketIOPacket(type: .event, payload: ByteBuffer(string: "[\"foo\"]")),
        SocketIOPacket(type: .ack, namespace: "/admin", ackID: 13, payload: ByteBuffer(string: "[\"bar\"]")),
        SocketIOPacket(type: .binaryAck, attachments: 1, ackID: 15, payload: ByteBuffer(string: "[\"bar\",{\"_placeholder\":true,\"num\":0}]")),
        SocketIOPacket(type: .disconnect, namespace: "/admin"),
    ])
    func packetsRoundTripThroughTheirFrame(packet: SocketIOPacket) throws {
        let frame = packet.encodedFrame()
        let engine = try EngineIOPacket(parsing: frame)
        #expect(engine.type == .message)
        #expect(try SocketIOPacket(parsing: engine.payload) == packet)
    }

    @Test(arguments: [
        "", "7", "9[]", "x", "5[\"no dash\"]", "5-[]", "5999-[]", "5x-[]", "2/\(String(repeating: "n", count: 200)),[]", "21234567890123456[\"x\"]",
    ])
    func malformedPacketsAreRefused(encoded: String) {
        #expect(throws: SocketIOProtocolError.self) { try self.parse(encoded) }
    }

    /// Found by fuzzing: bytes that are not UTF-8 in a namespace were repaired into U+FFFD,
    /// so the name read was not the one sent and could exceed the length it was checked for.
    @Test func aNamespaceThatIsNotUTF8IsRefused() {
        var bytes = ByteBuffer(string: "0/a")
        bytes.writeBytes([0xFF, 0xFE, 0x80])
        bytes.writeString(",{}")
        #expect(throws: SocketIOProtocolError.invalidSocketIOPacket("namespace is not UTF-8")) { try SocketIOPacket(parsing: bytes) }
    }

    @Test func engineIOPacketsParseByTheirFirstDigit() throws {
        #expect(try EngineIOPacket(parsing: ByteBuffer(string: "3")).type == .pong)
        #expect(try EngineIOPacket(parsing: ByteBuffer(string: "2probe")) == EngineIOPacket(type: .ping, payload: ByteBuffer(string: "probe")))
        #expect(try EngineIOPacket(parsing: ByteBuffer(string: "42[\"a\"]")).payload == ByteBuffer(string: "2[\"a\"]"))
        for bad in ["", "7", "a", "/", "\u{0}"] {
            #expect(throws: SocketIOProtocolError.invalidEngineIOPacket) { try EngineIOPacket(parsing: ByteBuffer(string: bad)) }
        }
    }

    @Test func eventsSplitIntoNameAndArguments() throws {
        let event = try SocketIOEvent(packet: self.parse(#"21["send_message",{"a":[1,"]",{"b":"}\""}]},2, "x" ,null]"#))
        #expect(event.name == "send_message")
        #expect(event.ackID == 1)
        #expect(event.arguments.map { String(buffer: $0) } == [#"{"a":[1,"]",{"b":"}\""}]}"#, "2", #""x""#, "null"])
        #expect(try SocketIOEvent(packet: self.parse(#"2["caf\u00e9"]"#)).name == "café")
        #expect(try SocketIOEvent(packet: self.parse(#"2 [ "spaced" ] "#)).name == "spaced")
    }

    @Test(arguments: [
        "2[]", "2{}", "2[1]", "2[\"a\"", "2[\"a\",]", "2[\"a\"]x", "2[\"a\",{]", "2[\"a\",{\"b\":[}]", "2", "2[\"unterminated]", "2[\"a\" \"b\"]",
        "2[\"ctrl\u{01}\"]",
    ])
    func malformedEventsAreRefused(encoded: String) {
        #expect(throws: SocketIOProtocolError.self) { try SocketIOEvent(packet: self.parse(encoded)) }
    }

    @Test func serverFramesAreWhatClientsExpect() {
        #expect(String(buffer: SocketIOFrame.event("new_message", data: ByteBuffer(string: #"{"id":1}"#))) == #"42["new_message",{"id":1}]"#)
        #expect(String(buffer: SocketIOFrame.ack(0, data: ByteBuffer(string: #"{"ok":true}"#))) == #"430[{"ok":true}]"#)
        #expect(String(buffer: SocketIOFrame.connected(sid: "abc")) == #"40{"sid":"abc"}"#)
        #expect(String(buffer: SocketIOFrame.connected(sid: "abc", pid: "p\"1")) == #"40{"sid":"abc","pid":"p\"1"}"#)
        #expect(
            String(buffer: SocketIOFrame.event("new_message", data: ByteBuffer(string: "{}"), offset: "g.7")) == #"42["new_message",{},"g.7"]"#
        )
        #expect(String(buffer: SocketIOFrame.connectError(message: "invalid \"token\"")) == #"44{"message":"invalid \"token\""}"#)
        #expect(
            String(buffer: SocketIOFrame.connectError(namespace: "/admin", message: "Invalid namespace"))
                == #"44/admin,{"message":"Invalid namespace"}"#
        )
        #expect(
            String(buffer: SocketIOFrame.open(sid: "s", pingInterval: .seconds(25), pingTimeout: .seconds(20), maxPayload: 1_000_000))
                == #"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        )
    }

    @Test func jsonStringsEscapeWhatTheyMust() {
        var buffer = ByteBuffer()
        JSONString.write("a\"b\\c\nd\u{01}é", into: &buffer)
        #expect(String(buffer: buffer) == #""a\"b\\c\nd\u0001é""#)
        #expect(JSONString.decode(buffer) == "a\"b\\c\nd\u{01}é")
    }

    @Test func sessionIDsAreURLSafeAndDistinct() {
        let ids = (0..<1000).map { _ in SessionID.make() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.count == 20 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
        // Both halves draw on the whole alphabet (each id is two random words, 10 characters each).
        for half in [0..<10, 10..<20] {
            let used = Set(ids.flatMap { Array($0.utf8)[half] })
            #expect(used.count == 64)
        }
    }
}
