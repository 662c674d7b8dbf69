import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import MessagesTestSupport
import Testing

/// Replies: what they show of their original wherever a message is read, and what they
/// may answer.
@Suite struct ReplyAPITests {
    @Test func aReplyShowsItsOriginalAsItIsNow() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Rhea", "Rory")
            let long = String(repeating: "é", count: ReplyPreview.maxSnippet + 50)
            let original = try await client.send(expert, long, in: conversation.id).decode(Message.self)

            let sent = try await client.send(student, "yes", in: conversation.id, clientMessageId: "r-1", replyTo: original.id)
            #expect(sent.status == .created)
            let reply = try sent.decode(Message.self)
            let expected = ReplyPreview(
                id: original.id,
                seq: original.seq,
                senderId: expert.user.id,
                messageType: .text,
                snippet: String(repeating: "é", count: ReplyPreview.maxSnippet),
                deleted: false
            )
            #expect(reply.replyTo == expected)
            // A retry gets the same reply back, preview and all.
            #expect(
                try await client.send(student, "yes", in: conversation.id, clientMessageId: "r-1", replyTo: original.id).decode(Message.self) == reply
            )

            // Edited, the original shows as it now reads; deleted, as deleted, with no text.
            let path = "/api/chat/conversations/\(conversation.id)"
            #expect(
                try await client.call(.patch, "\(path)/messages/\(original.id)", token: expert.token, json: EditMessageRequest(content: "fixed"))
                    .status == .ok
            )
            let history = try await client.call(.get, "\(path)/messages", token: student.token).decode(MessagePage.self)
            #expect(history.messages.last?.replyTo?.snippet == "fixed")
            #expect(try await client.call(.delete, "\(path)/messages/\(original.id)", token: expert.token).status == .ok)
            let changes = try await client.call(.get, "\(path)/changes?after=0", token: expert.token).decode(ChangePage.self)
            let gone = try #require(changes.messages.first { $0.id == reply.id }?.replyTo)
            #expect(gone.deleted && gone.snippet.isEmpty && gone.senderId == expert.user.id)
            let listed = try await client.call(.get, "/api/chat/conversations", token: student.token).decode([Conversation].self)
            #expect(listed.first { $0.id == conversation.id }?.lastMessage?.replyTo?.deleted == true)
        }
    }

    @Test func aReplyAnswersALiveMessageOfItsOwnConversation() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Remy", "Rita")
            let elsewhere = try await client.open(student, with: [try await client.register("Other", role: .expert)])
            let there = try await client.send(student, "over there", in: elsewhere.id).decode(Message.self)
            let here = try await client.send(expert, "here", in: conversation.id).decode(Message.self)

            let across = try await client.send(student, "?", in: conversation.id, replyTo: there.id)
            #expect(across.status == .notFound && across.errorCode == .notFound)
            let nowhere = try await client.send(student, "?", in: conversation.id, replyTo: UUID())
            #expect(nowhere.status == .notFound)
            // An outsider learns nothing of the message by naming it.
            let outsider = try await client.register("Outsider")
            #expect(try await client.send(outsider, "?", in: conversation.id, replyTo: here.id).status == .forbidden)

            #expect(
                try await client.call(.delete, "/api/chat/conversations/\(conversation.id)/messages/\(here.id)", token: expert.token).status == .ok
            )
            let toDeleted = try await client.send(student, "?", in: conversation.id, replyTo: here.id)
            #expect(toDeleted.status == .conflict && toDeleted.errorCode == .messageDeleted)

            // None of the refusals was stored.
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token)
            #expect(try history.decode(MessagePage.self).messages.allSatisfy { $0.replyTo == nil })
        }
    }
}
