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

@Suite struct ConversationAPITests {
    @Test func aDirectConversationExistsOnceAndStartsWithAWelcome() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Sam")
            let expert = try await client.register("Edith", role: .expert)

            let first = try await client.call(
                .post,
                "/api/chat/conversations",
                token: student.token,
                json: CreateConversationRequest(expertId: expert.user.id)
            )
            #expect(first.status == .created)
            let conversation = try first.decode(Conversation.self)
            #expect(conversation.kind == .direct)
            #expect(Set(conversation.participants.map(\.id)) == [student.user.id, expert.user.id])
            // The caller sees their own email address, not the other's.
            #expect(conversation.participants.map { $0.email != nil } == conversation.participants.map { $0.id == student.user.id })
            #expect(conversation.lastMessage?.messageType == .system && conversation.lastMessage?.seq == 1)
            #expect(conversation.lastMessage?.content.contains("Sam") == true)

            // Again, and from the other side: the same conversation.
            let again = try await client.call(
                .post,
                "/api/chat/conversations",
                token: student.token,
                json: CreateConversationRequest(participantIds: [expert.user.id])
            )
            #expect(try again.status == .ok && (again.decode(Conversation.self)).id == conversation.id)
            let reverse = try await client.call(
                .post,
                "/api/chat/conversations",
                token: expert.token,
                json: CreateConversationRequest(participantIds: [student.user.id])
            )
            #expect(try reverse.status == .ok && (reverse.decode(Conversation.self)).id == conversation.id)
        }
    }

    /// The list comes a page at a time: each page newest first, the next one in `Link`,
    /// every conversation once; a cursor this API did not give is a 400.
    @Test func theListPagesByItsLinkWithEveryConversationOnce() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Pam")
            var opened: [UUID] = []
            for index in 0..<5 {
                let expert = try await client.register("Expert\(index)", role: .expert)
                opened.append(try await client.open(student, with: [expert]).id)
            }
            var seen: [Conversation] = []
            var path: String? = "/api/chat/conversations?limit=2"
            var pages = 0
            while let next = path {
                let response = try await client.call(.get, next, token: student.token)
                #expect(response.status == .ok)
                seen += try response.decode([Conversation].self)
                path = response.headers[HTTPField.Name("Link")!].flatMap { $0.split(separator: ">").first.map { String($0.dropFirst()) } }
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen.map(\.id) == opened.reversed())  // newest first, each once
            let forged = try await client.call(.get, "/api/chat/conversations?cursor=bm90LWEtY3Vyc29y", token: student.token)
            #expect(forged.status == .badRequest && forged.errorCode == .badRequest)
        }
    }

    /// The student's openings race one another (an expert may not start a conversation with a
    /// student, so one racing the first opening was refused whenever it came first); the
    /// expert then opens the same one.
    @Test func concurrentOpeningsMakeOneConversation() async throws {
        try await withMessages(.live) { client in
            let student = try await client.register("Sue")
            let expert = try await client.register("Emil", role: .expert)
            var results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, UUID).self) { group in
                for _ in 0..<11 {
                    let (opener, other) = (student, expert)
                    group.addTask {
                        let response = try await client.call(
                            .post,
                            "/api/chat/conversations",
                            token: opener.token,
                            json: CreateConversationRequest(participantIds: [other.user.id])
                        )
                        guard let conversation = try? response.decode(Conversation.self) else {
                            throw SetupError("opening answered \(response.status): \(String(buffer: response.body))")
                        }
                        return (response.status, conversation.id)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let answer = try await client.call(
                .post,
                "/api/chat/conversations",
                token: expert.token,
                json: CreateConversationRequest(participantIds: [student.user.id])
            )
            results.append((answer.status, try answer.decode(Conversation.self).id))
            #expect(Set(results.map(\.1)).count == 1)
            #expect(results.filter { $0.0 == .created }.count == 1)
            #expect(results.filter { $0.0 == .ok }.count == 11)
            let history = try await client.call(.get, "/api/chat/conversations/\(results[0].1)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.filter { $0.messageType == .system }.count == 1)
        }
    }

    @Test func badParticipantsAreRefused() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Stu")
            let other = try await client.register("Otto")
            let cases: [(CreateConversationRequest, HTTPResponse.Status)] = [
                (CreateConversationRequest(participantIds: []), .unprocessableContent),
                (CreateConversationRequest(participantIds: [student.user.id]), .unprocessableContent),
                (CreateConversationRequest(participantIds: [UUID()]), .unprocessableContent),
                (CreateConversationRequest(expertId: other.user.id), .unprocessableContent),  // not an expert
                (CreateConversationRequest(participantIds: [other.user.id], title: ""), .unprocessableContent),
            ]
            for (request, status) in cases {
                let response = try await client.call(.post, "/api/chat/conversations", token: student.token, json: request)
                #expect(response.status == status, "\(request)")
                #expect(response.errorCode != nil)
            }
        }
    }

    @Test func theListShowsParticipantsLastMessageAndUnreadNewestFirst() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Lia")
            let expertA = try await client.register("Ann", role: .expert)
            let expertB = try await client.register("Ben", role: .expert)
            let withA = try await client.open(student, with: [expertA])
            let withB = try await client.open(student, with: [expertB])
            for text in ["one", "two", "three"] { _ = try await client.send(expertA, text, in: withA.id) }
            _ = try await client.send(student, "mine", in: withA.id)

            var list = try await client.call(.get, "/api/chat/conversations", token: student.token).decode([Conversation].self)
            #expect(list.map(\.id) == [withA.id, withB.id])  // A has the newest activity
            #expect(list[0].unreadCount == 3)  // the expert's three; not my own, not the welcome
            #expect(list[0].lastMessage?.content == "mine" && list[0].lastSeq == 5)
            #expect(list[0].participants.map(\.name).sorted() == ["Ann", "Lia"])
            #expect(list[1].unreadCount == 0)

            let read = try await client.call(.post, "/api/chat/conversations/\(withA.id)/read", token: student.token, json: MarkReadRequest(seq: 3))
            #expect(try read.status == .ok && (read.decode(ReadReceipt.self)).seq == 3)
            list = try await client.call(.get, "/api/chat/conversations", token: student.token).decode([Conversation].self)
            #expect(list[0].unreadCount == 1)
            _ = try await client.call(.post, "/api/chat/conversations/\(withA.id)/read", token: student.token, json: MarkReadRequest(seq: 5))
            list = try await client.call(.get, "/api/chat/conversations", token: student.token).decode([Conversation].self)
            #expect(list[0].unreadCount == 0)

            let one = try await client.call(.get, "/api/chat/conversations/\(withB.id)", token: student.token).decode(Conversation.self)
            #expect(one.id == withB.id && one.participants.count == 2)
        }
    }

    @Test func theReadWatermarkOnlyMovesForwardAndStopsAtTheLastMessage() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Rae", "Rex")
            let second = try await client.send(expert, "a", in: conversation.id).decode(Message.self)
            _ = try await client.send(expert, "b", in: conversation.id)
            let uri = "/api/chat/conversations/\(conversation.id)/read"

            #expect(try await client.call(.post, uri, token: student.token, json: MarkReadRequest(seq: 99)).decode(ReadReceipt.self).seq == 3)
            #expect(try await client.call(.post, uri, token: student.token, json: MarkReadRequest(seq: 1)).decode(ReadReceipt.self).seq == 3)
            #expect(
                try await client.call(.post, uri, token: expert.token, json: MarkReadRequest(messageId: second.id)).decode(ReadReceipt.self).seq == 2
            )

            for body in [MarkReadRequest(), MarkReadRequest(seq: -1), MarkReadRequest(seq: 1, messageId: second.id)] {
                #expect(try await client.call(.post, uri, token: student.token, json: body).status == .unprocessableContent)
            }
            #expect(try await client.call(.post, uri, token: student.token, json: MarkReadRequest(messageId: UUID())).status == .notFound)

            // Each side sees how far the other has read, and not itself.
            let seenByExpert = try await client.call(.get, "/api/chat/conversations/\(conversation.id)", token: expert.token).decode(
                Conversation.self
            )
            #expect(seenByExpert.reads == [ReadPosition(userId: student.user.id, seq: 3)])
            let seenByStudent = try await client.call(.get, "/api/chat/conversations/\(conversation.id)", token: student.token).decode(
                Conversation.self
            )
            #expect(seenByStudent.reads == [ReadPosition(userId: expert.user.id, seq: 2)])
        }
    }

    @Test func outsidersCannotSeeOrTouchAConversation() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Ivy")
            let expert = try await client.register("Ian", role: .expert)
            let outsider = try await client.register("Mallory")
            let conversation = try await client.open(student, with: [expert])
            let base = "/api/chat/conversations/\(conversation.id)"
            let attempts: [(HTTPRequest.Method, String, (any Encodable)?)] = [
                (.get, base, nil), (.get, "\(base)/messages", nil),
                (.post, "\(base)/messages", SendMessageRequest(content: "let me in")),
                (.post, "\(base)/read", MarkReadRequest(seq: 1)),
            ]
            for (method, uri, body) in attempts {
                let response = try await client.call(method, uri, token: outsider.token, json: body)
                #expect(response.status == .forbidden, "\(method) \(uri)")
                #expect(response.errorCode == .forbidden)
            }
            #expect(try await client.call(.get, "/api/chat/conversations/\(UUID())/messages", token: outsider.token).status == .notFound)
            #expect(try await client.call(.get, "/api/chat/conversations/not-a-uuid/messages", token: outsider.token).status == .badRequest)
            let list = try await client.call(.get, "/api/chat/conversations", token: outsider.token).decode([Conversation].self)
            #expect(list.isEmpty)
            // Nothing the outsider tried was stored.
            let history = try await client.call(.get, "\(base)/messages", token: student.token).decode(MessagePage.self)
            #expect(history.messages.map(\.seq) == [1])
        }
    }

    @Test func expertsAreListed() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Kim")
            let expert = try await client.register("Kai", role: .expert)
            let experts = try await client.call(.get, "/api/chat/experts?limit=500", token: student.token).decode([User].self)
            var listed = expert.user.seen(by: student.user.id)
            listed.online = false  // presence's set is in the test's Redis, and Kai never connected
            #expect(experts.contains(listed))
            #expect(experts.allSatisfy { $0.role == .expert })
            // Nobody's email address but the caller's own.
            #expect(expert.user.email != nil && experts.allSatisfy { $0.email == nil })
            #expect(try await client.call(.get, "/api/chat/experts?limit=0", token: student.token).status == .badRequest)
        }
    }
}
