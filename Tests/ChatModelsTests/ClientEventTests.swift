import ChatModels
import Foundation
import JSONKit
import NIOCore
import Testing

@Suite struct ClientEventTests {
    let conversation = UUID()

    @Test func aConversationIsNamedByAnObjectOrABareID() throws {
        let object = try ConversationRef(eventArgument: ByteBuffer(string: #"{"conversationId":"\#(self.conversation)"}"#))
        let bare = try ConversationRef(eventArgument: ByteBuffer(string: #""\#(self.conversation.uuidString.lowercased())""#))
        #expect(object.conversationId == self.conversation && bare.conversationId == self.conversation)
        #expect(throws: APIError.badRequest("'conversationId' must be a UUID")) {
            try ConversationRef(eventArgument: ByteBuffer(string: #""not-an-id""#))
        }
        #expect(throws: DecodingError.self) { try ConversationRef(eventArgument: ByteBuffer(string: "42")) }
    }

    @Test func aMissingPayloadIsABadRequestAndNoPayloadTakesAnything() throws {
        #expect(throws: APIError.badRequest("The event needs a payload")) { try SendMessagePayload(eventArgument: nil) }
        #expect(throws: APIError.badRequest("The event needs a payload")) { try TypingPayload(eventArgument: nil) }
        _ = NoPayload(eventArgument: nil)
        _ = NoPayload(eventArgument: ByteBuffer(string: "[1,2]"))
    }

    @Test func theHandWrittenSendPayloadReadsWhatTheDecoderReads() throws {
        let json = ByteBuffer(string: #"{"conversationId":"\#(self.conversation)","content":"hi","clientMessageId":"c-1"}"#)
        let fast = try SendMessagePayload(eventArgument: json)
        let decoded = try ChatJSON.decoder().decode(SendMessagePayload.self, from: Data(json.readableBytesView))
        #expect(fast.conversationId == decoded.conversationId && fast.content == decoded.content && fast.clientMessageId == "c-1")
    }

    /// Events about a conversation are checked against it; the rest are for any signed-in socket.
    @Test func accessNamesTheConversationWhereThereIsOne() throws {
        let send = SendMessagePayload(conversationId: self.conversation, content: "x")
        #expect(ClientEvent.sendMessage.access == .member && ClientEvent.sendMessage.conversation?(send) == self.conversation)
        #expect(ClientEvent.typing.access == .joined)
        #expect(ClientEvent.userOnline.access == .signedIn && ClientEvent.userOnline.conversation == nil)
        #expect(ClientEvent.searchMessages.rate == .costly && ClientEvent.sendMessage.rate == .standard)
    }
}

@Suite struct EventPayloadBoundsTests {
    let limits = EventLimits(maxContentLength: 5)
    let conversation = UUID()

    @Test func aSendIsCheckedBeforeAnythingIsAskedAboutIt() throws {
        try SendMessagePayload(conversationId: self.conversation, content: "hello").validate(self.limits)
        for (payload, message) in [
            (SendMessagePayload(conversationId: self.conversation, content: "   "), "'content' must not be empty"),
            (SendMessagePayload(conversationId: self.conversation, content: "toolong"), "'content' must be at most 5 characters"),
            (SendMessagePayload(conversationId: self.conversation, content: "x", messageType: .system), nil),
            (SendMessagePayload(conversationId: self.conversation, content: "x", clientMessageId: "has space"), nil),
        ] as [(SendMessagePayload, String?)] {
            #expect {
                try payload.validate(self.limits)
            } throws: { error in
                guard let error = error as? APIError, error.code == .validationFailed else { return false }
                return message.map { error.message == $0 } ?? true
            }
        }
    }

    @Test func editsAndReactionsAreBoundedToo() {
        #expect(throws: APIError.self) {
            try EditMessagePayload(conversationId: self.conversation, messageId: UUID(), content: "").validate(self.limits)
        }
        #expect(throws: APIError.self) { try ReactionPayload(conversationId: self.conversation, messageId: UUID(), emoji: "a").validate(self.limits) }
        #expect(throws: Never.self) { try ReactionPayload(conversationId: self.conversation, messageId: UUID(), emoji: "👍").validate(self.limits) }
    }
}
