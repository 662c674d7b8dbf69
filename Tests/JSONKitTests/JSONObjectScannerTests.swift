import Foundation
import JSONKit
import NIOCore
import Testing

/// Object members found without decoding, values kept byte for byte.
@Suite struct JSONObjectScannerTests {
    @Test func membersKeepTheirValuesAsTheyAre() throws {
        let json = #" { "message" : {"id":"x","tags":["}",{"a":"\""}]} , "requestId":"r\"1", "n": -1.5e3, "none":null, "e\u00e9":[] } "#
        let members = try JSONArrayScanner.members(of: ByteBuffer(string: json))
        #expect(Set(members.keys) == ["message", "requestId", "n", "none", "eé"])
        #expect(String(buffer: members["message"]!) == #"{"id":"x","tags":["}",{"a":"\""}]}"#)
        #expect(JSONString.decode(members["requestId"]!) == #"r"1"#)
        #expect(String(buffer: members["n"]!) == "-1.5e3")
        #expect(String(buffer: members["none"]!) == "null")
        #expect(try JSONArrayScanner.members(of: ByteBuffer(string: "{}")).isEmpty)
    }

    @Test(arguments: [
        "", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{\"a\":1 \"b\":2}", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
        "{\"a\":[}", "{\"a\":\"unterminated}", "{1:2}",
    ])
    func malformedObjectsAreRefused(json: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONArrayScanner.members(of: ByteBuffer(string: json)) }
    }

    @Test func whateverFoundationEncodesIsScannedToTheSameValues() throws {
        struct Sample: Codable, Equatable {
            var text: String
            var numbers: [Double]
            var nested: [String: String]
        }
        for seed in 0..<200 {
            // Every ASCII character but NUL, quotes and backslashes among them, in varied runs.
            let text = String((0..<(seed % 21)).map { index in Character(UnicodeScalar(UInt8(1 + (seed * 31 + index * 7) % 127))) })
            let sample = Sample(text: text, numbers: [Double(seed), -0.5], nested: [text: "}", "{": text])
            let members = try JSONArrayScanner.members(of: ByteBuffer(bytes: try JSONEncoder().encode(sample)))
            #expect(try JSONDecoder().decode(String.self, from: Data(members["text"]!.readableBytesView)) == sample.text)
            #expect(try JSONDecoder().decode([String: String].self, from: Data(members["nested"]!.readableBytesView)) == sample.nested)
        }
    }
}
