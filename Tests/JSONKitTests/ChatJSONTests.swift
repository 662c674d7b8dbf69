import Foundation
import JSONKit
import Testing

@Suite struct ChatJSONTests {
    @Test func timestampsAreISO8601WithMilliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_795_587_949.125)
        let json = String(decoding: try ChatJSON.encoder().encode([date]), as: UTF8.self)
        #expect(json == #"["2026-11-25T06:25:49.125Z"]"#)
        #expect(try ChatJSON.decoder().decode([Date].self, from: Data(json.utf8)) == [date])
        #expect(
            try ChatJSON.decoder().decode([Date].self, from: Data(#"["2026-11-25T06:25:49Z"]"#.utf8)) == [Date(timeIntervalSince1970: 1_795_587_949)]
        )
        #expect(
            String(decoding: try ChatJSON.encoder().encode([Date(timeIntervalSince1970: -0.5)]), as: UTF8.self) == #"["1969-12-31T23:59:59.500Z"]"#
        )
    }

    @Test func handWrittenTimestampsAgreeWithFoundations() throws {
        var generator = SystemRandomNumberGenerator()
        // Leap days, the turn of centuries, before the epoch, far ahead.
        let fixed: [Int64] = [0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 253_402_300_799_999, -2_208_988_800_000]
        for milliseconds in fixed + (0..<2_000).map({ _ in Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator) }) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let foundation =
                Date(timeIntervalSince1970: Double((milliseconds - ((milliseconds % 1000) + 1000) % 1000) / 1000))
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
}
