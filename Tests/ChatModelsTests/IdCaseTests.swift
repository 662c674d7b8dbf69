import ChatModels
import Foundation
import JSONKit
import Testing

/// Ids leave in lower case (RFC 9562 asks it of output) whatever model carries them, and
/// come back in either case.
@Suite struct IdCaseTests {
    let id = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!
    let lower = "6f9619ff-8b86-d011-b42d-00c04fc964ff"

    func encoded(_ value: some Encodable) throws -> String {
        String(decoding: try ChatJSON.encoder().encode(value), as: UTF8.self)
    }

    @Test func aSingleAnOptionalAndAListOfIdsAreLowerCase() throws {
        let receipt = try encoded(ReadReceipt(conversationId: self.id, userId: self.id, seq: 1, readAt: Date(timeIntervalSince1970: 0)))
        #expect(receipt.contains("\"conversationId\":\"\(self.lower)\""))
        #expect(receipt.contains("\"userId\":\"\(self.lower)\""))
        let request = try encoded(CreateConversationRequest(participantIds: [self.id, self.id], expertId: self.id))
        #expect(request.contains("\"participantIds\":[\"\(self.lower)\",\"\(self.lower)\"]"))
        #expect(request.contains("\"expertId\":\"\(self.lower)\""))
        #expect(!request.contains(self.id.uuidString))
        #expect(try encoded(CreateConversationRequest(title: "x")) == #"{"title":"x"}"#)
    }

    @Test func upperCaseIdsAreStillRead() throws {
        let json =
            #"{"conversationId":"6F9619FF-8B86-D011-B42D-00C04FC964FF","userId":"6f9619ff-8b86-d011-b42d-00c04fc964ff","seq":1,"readAt":"1970-01-01T00:00:00.000Z"}"#
        let receipt = try ChatJSON.decoder().decode(ReadReceipt.self, from: Data(json.utf8))
        #expect(receipt.conversationId == self.id && receipt.userId == self.id)
    }
}
