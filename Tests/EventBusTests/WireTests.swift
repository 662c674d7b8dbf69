import ChatModels
import EventBus
import Foundation
import JSONKit
import NIOCore
import Testing

@testable import EventBus

@Suite struct WireTests {
    @Test func busEnvelopesRoundTrip() throws {
        let user = UUID()
        let envelope = BusEnvelope(event: .userTyping, skipUser: user, data: ByteBuffer(string: #"{"a":"line\nbreak"}"#))
        let decoded = try #require(BusEnvelope(decoding: try envelope.encoded()))
        #expect(decoded == envelope)
        #expect(BusEnvelope(decoding: ByteBuffer(string: "no header at all")) == nil)
        #expect(BusEnvelope(decoding: ByteBuffer(string: "{not json}\n{}")) == nil)
        #expect(BusEnvelope(decoding: ByteBuffer()) == nil)
    }

    @Test func everyHeaderFieldRoundTripsAndAMangledHeaderIsRefused() throws {
        let audience = (0..<20).map { _ in UUID() }
        let envelope = BusEnvelope(
            event: .notification,
            id: "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            seq: 9_007_199_254_740_993,
            skipRoom: UUID(),
            audience: audience,
            data: ByteBuffer(string: #"{"tab":"\t","newline":"\n"}"#)
        )
        var encoded = try envelope.encoded()
        #expect(BusEnvelope(decoding: encoded) == envelope)
        // Read from the middle of a larger buffer, as the subscriber hands payloads over.
        var framed = ByteBuffer(string: "prefix")
        framed.writeBuffer(&encoded)
        framed.moveReaderIndex(forwardBy: 6)
        #expect(BusEnvelope(decoding: framed) == envelope)

        let header = "new_message\t\t\t1\t\t"
        #expect(BusEnvelope(decoding: ByteBuffer(string: header + "\n{}"))?.seq == 1)
        for mangled in [
            "\t\t\t\t\t\n{}",  // no event name
            "e\t\t\t\t\n{}",  // a field missing
            "e\tnot-a-uuid\t\t\t\t\n{}",
            "e\t\t\tseven\t\t\n{}",
            "e\t\t\t\t\t\(UUID().uuidString),\n{}",  // an empty audience member
            "e\t\t\t\t\t\(UUID().uuidString.dropLast())g\n{}",
        ] {
            #expect(BusEnvelope(decoding: ByteBuffer(string: mangled)) == nil, "\(mangled)")
        }
        #expect(throws: (any Error).self) { try BusEnvelope(name: "bad\tname", data: ByteBuffer()).encoded() }
    }

    @Test func aCommandReplyIsReadWithoutDecodingItsMessage() throws {
        let message = Message(
            id: UUID(),
            conversationId: UUID(),
            seq: 7,
            senderId: UUID(),
            content: "caf\u{e9} \"quoted\"",
            messageType: .text,
            clientMessageId: "k",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.125)
        )
        let encoded = try ChatJSON.encoder().encode(CommandReply(requestId: #"req-"1""#, message: message))
        let (requestID, answer) = try #require(CommandAnswer.parse(ByteBuffer(bytes: encoded)))
        #expect(requestID == #"req-"1""#)
        let json = try answer.messageJSON()
        #expect(try ChatJSON.decoder().decode(Message.self, from: Data(json.readableBytesView)) == message)

        let refusal = try ChatJSON.encoder().encode(CommandReply(requestId: "r2", error: .init(code: .forbidden, message: "no", retryable: false)))
        let refused = try #require(CommandAnswer.parse(ByteBuffer(bytes: refusal)))
        #expect(refused.requestID == "r2")
        #expect(throws: APIError.self) { try refused.answer.messageJSON() }
        if case .refused(let detail) = refused.answer { #expect(detail.code == .forbidden) } else { Issue.record("not a refusal") }

        for garbage in ["", "{}", #"{"message":{}}"#, #"{"requestId":1,"message":{}}"#, "[1]", #"{"requestId":"x","message":{"#] {
            #expect(CommandAnswer.parse(ByteBuffer(string: garbage)) == nil, "\(garbage)")
        }
        // A reply that names its request but carries neither is a refusal, not a hang.
        if case .refused(let detail)? = CommandAnswer.parse(ByteBuffer(string: #"{"requestId":"r3"}"#))?.answer {
            #expect(detail.code == .internal)
        } else {
            Issue.record("not a refusal")
        }
    }
}
