import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import ServiceKit

@Suite struct WireTests {
    @Test func busEnvelopesRoundTrip() throws {
        let user = UUID()
        let envelope = BusEnvelope(event: "user_typing", skipUser: user, data: ByteBuffer(string: #"{"a":"line\nbreak"}"#))
        let decoded = try #require(BusEnvelope(decoding: try envelope.encoded()))
        #expect(decoded == envelope)
        #expect(BusEnvelope(decoding: ByteBuffer(string: "no header at all")) == nil)
        #expect(BusEnvelope(decoding: ByteBuffer(string: "{not json}\n{}")) == nil)
        #expect(BusEnvelope(decoding: ByteBuffer()) == nil)
    }

    @Test func everyHeaderFieldRoundTripsAndAMangledHeaderIsRefused() throws {
        let audience = (0..<20).map { _ in UUID() }
        let envelope = BusEnvelope(
            event: "notification", id: "3F2504E0-4F89-11D3-9A0C-0305E82C3301", seq: 9_007_199_254_740_993, skipRoom: UUID(), audience: audience,
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
        #expect(throws: (any Error).self) { try BusEnvelope(event: "bad\tname", data: ByteBuffer()).encoded() }
    }

    @Test func aCommandReplyIsReadWithoutDecodingItsMessage() throws {
        let message = Message(
            id: UUID(), conversationId: UUID(), seq: 7, senderId: UUID(), content: "caf\u{e9} \"quoted\"", messageType: .text,
            clientMessageId: "k", createdAt: Date(timeIntervalSince1970: 1_700_000_000.125)
        )
        let encoded = try ChatJSON.encoder().encode(CommandReply(requestId: #"req-"1""#, message: message))
        let (requestID, answer) = try #require(CommandClient.answer(in: ByteBuffer(bytes: encoded)))
        #expect(requestID == #"req-"1""#)
        let json = try CommandClient.messageJSON(in: answer)
        #expect(try ChatJSON.decoder().decode(Message.self, from: Data(json.readableBytesView)) == message)

        let refusal = try ChatJSON.encoder().encode(CommandReply(requestId: "r2", error: .init(code: "forbidden", message: "no", retryable: false)))
        let refused = try #require(CommandClient.answer(in: ByteBuffer(bytes: refusal)))
        #expect(refused.requestID == "r2")
        #expect(throws: APIError.self) { try CommandClient.messageJSON(in: refused.answer) }
        if case .refused(let detail) = refused.answer { #expect(detail.code == "forbidden") } else { Issue.record("not a refusal") }

        for garbage in ["", "{}", #"{"message":{}}"#, #"{"requestId":1,"message":{}}"#, "[1]", #"{"requestId":"x","message":{"#] {
            #expect(CommandClient.answer(in: ByteBuffer(string: garbage)) == nil, "\(garbage)")
        }
        // A reply that names its request but carries neither is a refusal, not a hang.
        if case .refused(let detail)? = CommandClient.answer(in: ByteBuffer(string: #"{"requestId":"r3"}"#))?.answer {
            #expect(detail.code == "internal")
        } else {
            Issue.record("not a refusal")
        }
    }

    @Test func timestampsAreISO8601WithMilliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_795_587_949.125)
        let json = String(decoding: try ChatJSON.encoder().encode([date]), as: UTF8.self)
        #expect(json == #"["2026-11-25T06:25:49.125Z"]"#)
        #expect(try ChatJSON.decoder().decode([Date].self, from: Data(json.utf8)) == [date])
        #expect(try ChatJSON.decoder().decode([Date].self, from: Data(#"["2026-11-25T06:25:49Z"]"#.utf8)) == [Date(timeIntervalSince1970: 1_795_587_949)])
        #expect(String(decoding: try ChatJSON.encoder().encode([Date(timeIntervalSince1970: -0.5)]), as: UTF8.self) == #"["1969-12-31T23:59:59.500Z"]"#)
    }

    @Test func handWrittenTimestampsAgreeWithFoundations() throws {
        var generator = SystemRandomNumberGenerator()
        // Leap days, the turn of centuries, before the epoch, far ahead.
        let fixed: [Int64] = [0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 253_402_300_799_999, -2_208_988_800_000]
        for milliseconds in fixed + (0..<2_000).map({ _ in Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator) }) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let foundation = Date(timeIntervalSince1970: Double((milliseconds - ((milliseconds % 1000) + 1000) % 1000) / 1000))
                .formatted(Date.ISO8601FormatStyle()).dropLast() + String(format: ".%03dZ", ((milliseconds % 1000) + 1000) % 1000)
            #expect(String(decoding: try ChatJSON.encoder().encode([date]), as: UTF8.self) == "[\"\(foundation)\"]", "\(milliseconds)")
        }
    }

    @Test func timestampsSurviveDecodingAndEncodingAgain() throws {
        // Microsecond timestamps from Postgres, sent on and read back many times.
        for micros in stride(from: Int64(1_795_587_949_000_000), to: 1_795_587_949_000_000 + 3000, by: 7) {
            let once = try ChatJSON.encoder().encode([Date(timeIntervalSince1970: Double(micros) / 1e6)])
            let twice = try ChatJSON.encoder().encode(try ChatJSON.decoder().decode([Date].self, from: once))
            #expect(once == twice)
        }
    }

    @Test func errorsMapToTheirStatusAndCode() throws {
        #expect(APIError(HTTPError(.notFound)).code == "not_found")
        #expect(APIError(HTTPError(.contentTooLarge)).status == .contentTooLarge)
        #expect(APIError(CancellationError()) == .internalError)
        struct Secret: Error { let password = "hunter2" }
        let hidden = APIError(Secret())
        #expect(hidden.status == .internalServerError && !hidden.message.contains("hunter2"))
        let missing = try #require(decodingError(#"{"email":"a@b.c"}"#, as: LoginRequest.self))
        #expect(APIError(missing).message == "Missing field 'password'")
        let wrongType = try #require(decodingError(#"{"email":1,"password":"x"}"#, as: LoginRequest.self))
        #expect(APIError(wrongType).message == "Wrong type for 'email'")
        let notJSON = try #require(decodingError("{", as: LoginRequest.self))
        #expect(APIError(notJSON).message == "The body is not valid JSON")
    }

    @Test func theErrorResponseIsTheJSONShape() throws {
        let response = APIError.unavailable("Down").response()
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers[.retryAfter] == "1")
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
    }

    func decodingError<T: Decodable>(_ json: String, as type: T.Type) -> DecodingError? {
        do {
            _ = try ChatJSON.decoder().decode(T.self, from: Data(json.utf8))
            return nil
        } catch {
            return error as? DecodingError
        }
    }
}
