import ChatModels
import ChatTestSupport
import EventBus
import Foundation
import HTTPTypes
import HummingbirdTesting
import MessagesTestSupport
import Testing

/// The lines calls leave, as presence hands them on through the command stream.
extension CommandStreamTests {
    static func callLine(_ id: String, by caller: UUID, in conversation: UUID, _ record: CallRecord, type: MessageType = .call) -> SendMessageCommand
    {
        SendMessageCommand(
            requestId: id,
            senderId: caller,
            conversationId: conversation,
            content: record.summary,
            messageType: type,
            clientMessageId: record.clientMessageId,
            call: type == .call ? record : nil
        )
    }

    @Test func callsLeaveOneLineEachAndOnlyAMissedOneIsUnread() async throws {
        try await self.withStream { client, redis, replies in
            let (student, expert, conversation) = try await client.pair("Caller", "Callee")
            let missed = CallRecord(callId: UUID(), media: .video, outcome: .missed)
            let answered = CallRecord(callId: UUID(), media: .audio, outcome: .answered, durationSeconds: 245)
            let declined = CallRecord(callId: UUID(), media: .audio, outcome: .declined)
            let commands = [
                Self.callLine("missed", by: student.user.id, in: conversation.id, missed),
                Self.callLine("answered", by: student.user.id, in: conversation.id, answered),
                Self.callLine("declined", by: student.user.id, in: conversation.id, declined),
                // The end written twice (presence retried): one line.
                Self.callLine("missed-again", by: student.user.id, in: conversation.id, missed),
            ]
            let answers = try await self.inOneBatch(client, redis, replies, commands)
            #expect(answers["missed-again"]?.message?.id == answers["missed"]?.message?.id)
            #expect(answers["answered"]?.message?.content == "Voice call, 4:05" && answers["missed"]?.message?.content == "Missed video call")

            let path = "/api/chat/conversations/\(conversation.id)"
            let history = try await client.call(.get, "\(path)/messages", token: expert.token).decode(MessagePage.self)
            #expect(history.messages.compactMap(\.call) == [missed, answered, declined])
            #expect(history.messages.filter { $0.messageType == .call }.allSatisfy { $0.senderId == student.user.id })

            func unread() async throws -> Int? {
                try await client.call(.get, "/api/chat/conversations", token: expert.token).decode([Conversation].self)
                    .first { $0.id == conversation.id }?.unreadCount
            }
            #expect(try await unread() == 1)
            // Counted afresh from a watermark (a read, a mark-as-unread): the same.
            _ = try await client.call(.post, "\(path)/read", token: expert.token, json: MarkReadRequest(seq: 1))
            #expect(try await unread() == 1)

            // Out of search, and nobody's to change or to send.
            let found = try await client.call(.get, "/api/chat/search?q=call", token: expert.token).decode(SearchPage.self)
            #expect(found.results.isEmpty)
            let line = try #require(answers["answered"]?.message)
            let edit = try await client.call(
                .patch,
                "\(path)/messages/\(line.id)",
                token: student.token,
                json: EditMessageRequest(content: "no call")
            )
            #expect(try edit.decode(ErrorBody.self).error.code == .systemMessage)
            let forged = try await client.call(
                .post,
                "\(path)/messages",
                token: student.token,
                json: SendMessageRequest(content: "Missed video call", messageType: .call)
            )
            #expect(forged.status == .forbidden)
        }
    }

    @Test func aCallLineWithoutItsCallOrAnotherLineWithOneIsRefused() async throws {
        try await self.withStream { client, redis, replies in
            let (student, _, conversation) = try await client.pair("Bare", "Line")
            let record = CallRecord(callId: UUID(), media: .audio, outcome: .missed)
            var bare = Self.callLine("bare", by: student.user.id, in: conversation.id, record)
            bare.call = nil
            let text = Self.callLine("text", by: student.user.id, in: conversation.id, record, type: .text)
            var dressed = text
            dressed.requestId = "dressed"
            dressed.clientMessageId = "dressed"
            dressed.call = record
            let answers = try await self.inOneBatch(client, redis, replies, [bare, dressed, text])
            #expect(answers["bare"]?.error?.code == .validationFailed && answers["dressed"]?.error?.code == .validationFailed)
            #expect(answers["text"]?.message?.call == nil)
        }
    }
}
