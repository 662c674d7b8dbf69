import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import NIOCore
import NIOFoundationCompat
import ServiceKit
import Testing

@Suite struct MessageAPITests {
    @Test func aRetriedSendIsStoredOnce() async throws {
        try await withMessages(.live) { client in
            let (student, expert, conversation) = try await client.pair("Pat", "Pia")

            let first = try await client.send(student, "hello", in: conversation.id, clientMessageId: "c-1")
            #expect(first.status == .created)
            let stored = try first.decode(Message.self)
            #expect(stored.seq == 2 && stored.senderId == student.user.id && stored.clientMessageId == "c-1")
            let retry = try await client.send(student, "hello", in: conversation.id, clientMessageId: "c-1")
            #expect(try retry.status == .ok && (retry.decode(Message.self)) == stored)

            // Many retries at once: still one message, and no seq is used up.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<10 { group.addTask { try await client.send(student, "again", in: conversation.id, clientMessageId: "c-2").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1 && statuses.filter { $0 == .ok }.count == 9)
            let next = try await client.send(student, "next", in: conversation.id).decode(Message.self)
            #expect(next.seq == 4)

            // The same key from another sender is theirs alone; reused in another conversation it is refused.
            #expect(try await client.send(expert, "mine", in: conversation.id, clientMessageId: "c-1").status == .created)
            let elsewhere = try await client.open(student, with: [try await client.register("Other", role: .expert)])
            let reused = try await client.send(student, "hello", in: elsewhere.id, clientMessageId: "c-1")
            #expect(reused.status == .conflict && reused.errorCode == .clientMessageIdReused)
        }
    }

    @Test func concurrentSendersGetGaplessSequenceNumbers() async throws {
        try await withMessages(.live) { client in
            let (student, expert, conversation) = try await client.pair("Quinn", "Quill")
            let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<40 {
                    let sender = index.isMultiple(of: 2) ? student : expert
                    group.addTask { try await client.send(sender, "m\(index)", in: conversation.id).decode(Message.self).seq }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array(2...41))
        }
    }

    @Test func historyPagesBackAndCatchesUpBySeq() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Hal", "Hedy")
            for index in 2...12 { _ = try await client.send(index.isMultiple(of: 2) ? student : expert, "m\(index)", in: conversation.id) }
            let base = "/api/chat/conversations/\(conversation.id)/messages"

            let newest = try await client.call(.get, "\(base)?limit=5", token: student.token).decode(MessagePage.self)
            #expect(newest.messages.map(\.seq) == [8, 9, 10, 11, 12] && newest.hasMore)
            let older = try await client.call(.get, "\(base)?limit=5&before=8", token: student.token).decode(MessagePage.self)
            #expect(older.messages.map(\.seq) == [3, 4, 5, 6, 7] && older.hasMore)
            let oldest = try await client.call(.get, "\(base)?limit=5&before=3", token: student.token).decode(MessagePage.self)
            #expect(oldest.messages.map(\.seq) == [1, 2] && !oldest.hasMore)
            let missed = try await client.call(.get, "\(base)?after=9", token: expert.token).decode(MessagePage.self)
            #expect(missed.messages.map(\.seq) == [10, 11, 12] && !missed.hasMore)
            let someMissed = try await client.call(.get, "\(base)?after=2&limit=4", token: expert.token).decode(MessagePage.self)
            #expect(someMissed.messages.map(\.seq) == [3, 4, 5, 6] && someMissed.hasMore)
            #expect(someMissed.messages.map(\.content) == ["m3", "m4", "m5", "m6"])

            for query in ["before=1&after=1", "limit=0", "limit=201", "before=-1", "after=x"] {
                let response = try await client.call(.get, "\(base)?\(query)", token: student.token)
                #expect(response.status == .badRequest, "\(query)")
            }
        }
    }

    @Test func aPageOfBigMessagesStaysWithinItsByteBudget() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Bea", "Ben")
            let big = String(repeating: "x", count: 9_990)
            for index in 2...41 { _ = try await client.send(index.isMultiple(of: 2) ? student : expert, big + "\(index)", in: conversation.id) }
            let base = "/api/chat/conversations/\(conversation.id)/messages"
            // 200 asked, about 256 KiB given: 25 of these, and the rest on the next page.
            let response = try await client.call(.get, "\(base)?after=1&limit=200", token: student.token)
            #expect(response.body.readableBytes < 300 * 1024)
            let first = try response.decode(MessagePage.self)
            #expect(first.messages.count == 25 && first.hasMore && first.messages.first?.seq == 2, "\(first.messages.map(\.seq)) \(first.hasMore)")
            let rest = try await client.call(.get, "\(base)?after=26&limit=200", token: student.token).decode(MessagePage.self)
            #expect(rest.messages.map(\.seq) == Array(27...41) && !rest.hasMore)
            // Backwards, the newest come first.
            let newest = try await client.call(.get, "\(base)?limit=200", token: student.token).decode(MessagePage.self)
            #expect(newest.messages.map(\.seq) == Array(17...41) && newest.hasMore)
        }
    }

    @Test(arguments: [
        (#"{"content":""}"#, 422),
        (#"{"content":"   \n "}"#, 422),
        (#"{"content":"a\u0000b"}"#, 422),
        (#"{"content":"\#(String(repeating: "x", count: 10_001))"}"#, 422),
        (#"{"content":"hi","messageType":"SYSTEM"}"#, 403),
        (#"{"content":"hi","messageType":"IMAGE"}"#, 422),
        (#"{"content":"hi","messageType":"VIDEO"}"#, 400),
        (#"{"content":"hi","clientMessageId":""}"#, 422),
        (#"{"content":"hi","clientMessageId":"has space"}"#, 422),
        (#"{"content":42}"#, 400),
        (#"["content"]"#, 400),
    ])
    func badMessagesAreRefusedAndNothingIsStored(body: String, status: Int) async throws {
        try await withMessages(.router) { client in
            let (student, _, conversation) = try await client.pair("Val", "Vic")
            let base = "/api/chat/conversations/\(conversation.id)/messages"
            let response = try await client.execute(
                uri: base,
                method: .post,
                headers: [.authorization: "Bearer \(student.token)", .contentType: "application/json"],
                body: ByteBuffer(string: body)
            )
            #expect(response.status.code == status)
            #expect(response.errorCode != nil)
            let history = try await client.call(.get, base, token: student.token).decode(MessagePage.self)
            #expect(history.messages.map(\.seq) == [1])
        }
    }

    @Test func unicodeContentIsKeptExactly() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Zoë", "Zed")
            let text = "héllo 👋🏽 — \"quotes\" \\ <b>not html</b>\n第二行"
            let stored = try await client.send(student, text, in: conversation.id).decode(Message.self)
            #expect(stored.content == text)
            let page = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages?after=1", token: expert.token).decode(
                MessagePage.self
            )
            #expect(page.messages.first?.content == text)
        }
    }
}
