import ChatModels
import EventBus
import Foundation
import JSONKit
import NIOCore
import NIOFoundationCompat
import ServiceKit
import Testing

@testable import EventBus

/// The hand-written encodings against Foundation's, byte for byte.
@Suite struct WireJSONTests {
    /// Every escape JSON has, the characters around them, and text no escape touches.
    static let awkwardText = [
        "", "plain", #"quote " backslash \ slash /"#, "tab\tnewline\nreturn\rbackspace\u{08}formfeed\u{0C}",
        "\u{00}\u{01}\u{1F} control \u{7F} delete", "héllo 👋🏽 中文 \u{2028}\u{2029}", String(repeating: "long ", count: 400),
    ]

    static func message(
        content: String,
        senderID: UUID? = UUID(),
        clientMessageID: String? = "c-1",
        attachments: [ChatModels.Attachment] = []
    ) -> Message {
        Message(
            id: UUID(),
            conversationId: UUID(),
            seq: 9_007_199_254_740_993,
            senderId: senderID,
            content: content,
            messageType: .text,
            clientMessageId: clientMessageID,
            createdAt: Date(timeIntervalSince1970: 1_764_063_000.125),
            attachments: attachments
        )
    }

    /// Edited, deleted and reacted to: every member a message has.
    static func changed(_ message: Message, reactions: [ReactionSummary]) -> Message {
        var message = message
        message.changeSeq = 1 << 53
        message.version = 7
        message.editedAt = Date(timeIntervalSince1970: 1_764_063_100.5)
        message.deletedAt = Date(timeIntervalSince1970: 1_764_063_200)
        message.reactions = reactions + [ReactionSummary(emoji: "👍", count: 1, me: false)]
        return message
    }

    static func reply(_ message: Message, to original: ReplyPreview) -> Message {
        var message = message
        message.replyTo = original
        return message
    }

    static func call(_ message: Message, _ record: CallRecord) -> Message {
        var message = message
        (message.messageType, message.call) = (.call, record)
        return message
    }

    @Test(arguments: awkwardText)
    func aMessageIsWhatTheEncoderWrites(_ text: String) throws {
        let attachment = ChatModels.Attachment(
            id: UUID(),
            name: text,
            size: 1 << 40,
            mimeType: "image/png",
            sha256: String(repeating: "ab", count: 32),
            url: "/api/chat/attachments/x"
        )
        var sized = attachment
        (sized.width, sized.height) = (4032, 3024)
        for message in [
            Self.message(content: text),
            Self.message(content: text, senderID: nil, clientMessageID: nil),
            Self.message(content: text, clientMessageID: text, attachments: [attachment, sized]),
            Self.changed(Self.message(content: text), reactions: [ReactionSummary(emoji: text, count: 3, me: true)]),
            Self.reply(
                Self.message(content: text),
                to: ReplyPreview(id: UUID(), seq: 1 << 40, senderId: UUID(), messageType: .image, snippet: text, deleted: false)
            ),
            Self.reply(Self.message(content: text), to: .unread(UUID())),
            Self.call(Self.message(content: text), CallRecord(callId: UUID(), media: .video, outcome: .answered, durationSeconds: 1 << 40)),
            Self.call(Self.message(content: text), CallRecord(callId: UUID(), media: .audio, outcome: .missed)),
        ] {
            let expected = try ChatJSON.encoder().encode(message)
            #expect(String(buffer: message.json) == String(decoding: expected, as: UTF8.self))
            #expect(try ChatJSON.decoder().decode(Message.self, from: message.json) == message)
        }
    }

    /// A send of `text` carrying `file`, as uploads makes one.
    static func sending(_ text: String, _ type: MessageType, _ file: AttachmentDraft) -> SendMessageCommand {
        SendMessageCommand(
            requestId: "r",
            senderId: UUID(),
            conversationId: UUID(),
            content: text,
            messageType: type,
            clientMessageId: text,
            attachment: file
        )
    }

    @Test(arguments: awkwardText)
    func aSendCommandIsWhatTheEncoderWrites(_ text: String) throws {
        let draft = AttachmentDraft(id: UUID(), name: text, size: 7, mimeType: "application/pdf", sha256: "00", storageKey: "ab/cd")
        var picture = draft
        (picture.mimeType, picture.width, picture.height) = ("image/png", 1, 65_535)
        for command in [
            SendMessageCommand(
                requestId: "r-\(text)",
                senderId: UUID(),
                conversationId: UUID(),
                content: text,
                messageType: .text,
                clientMessageId: "gw-1"
            ),
            Self.sending(text, .file, draft), Self.sending(text, .image, picture),
            SendMessageCommand(
                requestId: "r",
                senderId: UUID(),
                conversationId: UUID(),
                content: text,
                messageType: .text,
                clientMessageId: "c",
                replyTo: UUID()
            ),
            SendMessageCommand(
                requestId: "call",
                senderId: UUID(),
                conversationId: UUID(),
                content: text,
                messageType: .call,
                clientMessageId: "call:x",
                call: CallRecord(callId: UUID(), media: .audio, outcome: .declined)
            ),
        ] {
            let expected = try ChatJSON.encoder().encode(command)
            #expect(String(buffer: command.json) == String(decoding: expected, as: UTF8.self))
            #expect(try ChatJSON.decoder().decode(SendMessageCommand.self, from: command.json) == command)
        }
    }

    @Test(arguments: awkwardText)
    func aPresenceEventIsWhatTheEncoderWrites(_ text: String) throws {
        for event in [
            PresenceEvent(kind: .connected, userId: UUID(), gatewayId: "gw-\(text)", connectionId: text),
            PresenceEvent(kind: .typing, userId: UUID(), gatewayId: "gw", connectionId: "c", conversationId: UUID(), isTyping: false),
            PresenceEvent(kind: .visibility, userId: UUID(), gatewayId: "gw", connectionId: "c", isTyping: true, visible: false),
            PresenceEvent(kind: .disconnected, userId: UUID(), gatewayId: text, connectionId: "c", visible: true),
        ] {
            let expected = try ChatJSON.encoder().encode(event)
            #expect(String(buffer: event.json) == String(decoding: expected, as: UTF8.self))
            #expect(try ChatJSON.decoder().decode(PresenceEvent.self, from: event.json) == event)
        }
    }

    @Test(arguments: awkwardText)
    func aSendCommandReadsBackWhatWasWritten(_ text: String) throws {
        let draft = AttachmentDraft(id: UUID(), name: text, size: -7, mimeType: "image/png", sha256: text, storageKey: "ab/cd")
        for command in [
            SendMessageCommand(requestId: text, senderId: UUID(), conversationId: UUID(), content: text, messageType: .text, clientMessageId: text),
            Self.sending(text, .image, draft),
        ] {
            #expect(try SendMessageCommand(json: command.json) == command)
        }
    }

    /// The reader against `JSONDecoder`: the same value for what the decoder accepts, and
    /// for what it refuses, an error that tells the client the same thing.
    @Test func aSendPayloadIsReadAsTheDecoderReadsIt() throws {
        let id = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
        let inputs = [
            #"{"conversationId":"\#(id)","content":"hi"}"#,
            #"{"conversationId":"\#(id.lowercased())","content":"h\u00e9 \"quoted\"\n","messageType":"TEXT","clientMessageId":"c-1","extra":[1,{"a":null}]}"#,
            #" { "conversationId" : "\#(id)" , "content" : "" , "messageType" : null , "clientMessageId" : null } "#,
            #"{"conversationId":"\#(id)","content":"hi","messageType":"FILE"}"#,
            #"{"content":"hi"}"#,
            #"{"conversationId":"\#(id)"}"#,
            #"{"conversationId":"not-a-uuid","content":"hi"}"#,
            #"{"conversationId":42,"content":"hi"}"#,
            #"{"conversationId":"\#(id)","content":7}"#,
            #"{"conversationId":"\#(id)","content":null}"#,
            #"{"conversationId":"\#(id)","content":"hi","messageType":"VIDEO"}"#,
            #"{"conversationId":"\#(id)","content":"hi","clientMessageId":["x"]}"#,
            #"{"conversationId":"\#(id)","content":"hi","replyTo":"\#(id.lowercased())"}"#,
            #"{"conversationId":"\#(id)","content":"hi","replyTo":null}"#,
            #"{"conversationId":"\#(id)","content":"hi","replyTo":"nope"}"#,
            #"{"conversationId":"\#(id)","content":"hi","replyTo":7}"#,
            "[]", #""just a string""#, "{", "", "null", #"{"conversationId":"\#(id)","content":"hi"} trailing"#,
        ]
        for input in inputs {
            let json = ByteBuffer(string: input)
            let expected = Result { try ChatJSON.decoder().decode(SendMessagePayload.self, from: json) }
            let read = Result { try SendMessagePayload(json: json) }
            switch (expected, read) {
            case (.success(let expected), .success(let read)):
                #expect(read.conversationId == expected.conversationId && read.content == expected.content, "\(input)")
                #expect(read.messageType == expected.messageType && read.clientMessageId == expected.clientMessageId, "\(input)")
                #expect(read.replyTo == expected.replyTo, "\(input)")
            case (.failure(let expected as DecodingError), .failure(let read as DecodingError)):
                #expect(read.clientDescription == expected.clientDescription, "\(input)")
            default:
                Issue.record("\(input): the decoder gave \(expected), the reader \(read)")
            }
        }
    }

    @Test func uuidTextIsLowerCaseAndParsesBackInEitherCase() {
        for _ in 0..<1000 {
            let id = UUID.random()
            #expect(id.text() == id.uuidString.lowercased())
            #expect(UUID(text: id.text()) == id)
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(uuidString: id.text()) == id)
            var buffer = ByteBuffer(string: "x")
            buffer.writeUUID(id)
            #expect(String(buffer: buffer) == "x" + id.uuidString.lowercased())
        }
        for bad in [
            "", "not a uuid", "3F2504E0-4F89-11D3-9A0C-0305E82C330", "3F2504E0-4F89-11D3-9A0C-0305E82C33011", "3F2504E0_4F89-11D3-9A0C-0305E82C3301",
            "3F2504E0-4F89-11D3-9A0C-0305E82C330G",
        ] {
            #expect(UUID(text: bad) == nil)
        }
    }

    @Test func randomUUIDsAreVersion4AndDistinct() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.uuid.6 >> 4 == 4)
            #expect(id.uuid.8 >> 6 == 0b10)
        }
    }

    @Test func blankIsWhatTrimmingLeavesEmpty() {
        let whitespace = [
            " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}",
            "\u{205F}", "\u{3000}",
        ]
        for text in whitespace + ["", " \n\t ", "a", " a ", "\u{200B}", "\u{00}", ".", "\u{FEFF}"] + Self.awkwardText {
            #expect(text.isBlank == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(text.unicodeScalars.map(\.value))")
        }
    }
}
