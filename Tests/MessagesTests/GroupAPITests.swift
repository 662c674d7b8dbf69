import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import Testing

/// Groups with roles: their creator owns them; the owner and admins rename them, with a
/// SYSTEM message that says who did.
@Suite struct GroupAPITests {
    @Test func aGroupIsItsCreatorsAndTheOwnerRenamesIt() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Gia")
            let classmate = try await client.register("Hal")
            let expert = try await client.register("Ida", role: .expert)
            let stranger = try await client.register("Jon")
            let group = try await client.open(student, with: [classmate, expert], title: "Algebra club")
            #expect(
                Set(try #require(group.roles)) == [
                    MemberRole(userId: student.user.id, role: .owner), MemberRole(userId: classmate.user.id, role: .member),
                    MemberRole(userId: expert.user.id, role: .member),
                ]
            )

            let path = "/api/chat/conversations/\(group.id)"
            let renamed = try await client.call(.patch, path, token: student.token, json: UpdateConversationRequest(title: "  Algebra II club "))
            #expect(renamed.status == .ok)
            #expect(try renamed.decode(Conversation.self).title == "Algebra II club")
            let history = try await client.call(.get, "\(path)/messages", token: classmate.token).decode(MessagePage.self).messages
            #expect(history.last?.messageType == .system && history.last?.content == "Gia renamed the group to “Algebra II club”")
            // The same title again changes nothing and says nothing.
            _ = try await client.call(.patch, path, token: student.token, json: UpdateConversationRequest(title: "Algebra II club"))
            #expect(try await client.call(.get, "\(path)/messages", token: classmate.token).decode(MessagePage.self).messages.count == history.count)

            let member = try await client.call(.patch, path, token: classmate.token, json: UpdateConversationRequest(title: "Mine now"))
            #expect(member.status == .forbidden && member.errorCode == .notGroupAdmin)
            let outsider = try await client.call(.patch, path, token: stranger.token, json: UpdateConversationRequest(title: "Mine now"))
            #expect(outsider.status == .forbidden && outsider.errorCode == .forbidden)
            #expect(try await client.call(.patch, path, token: student.token, json: UpdateConversationRequest()).status == .unprocessableContent)
            let bidi = UpdateConversationRequest(title: "Club \u{202E}bulc")
            #expect(try await client.call(.patch, path, token: student.token, json: bidi).status == .unprocessableContent)
            #expect(
                try await client.call(.patch, "/api/chat/conversations/\(UUID())", token: student.token, json: UpdateConversationRequest(title: "x"))
                    .status == .notFound
            )

            let direct = try await client.open(student, with: [expert])
            #expect(direct.roles == nil)
            let titled = try await client.call(
                .patch,
                "/api/chat/conversations/\(direct.id)",
                token: student.token,
                json: UpdateConversationRequest(title: "Ours")
            )
            #expect(titled.status == .unprocessableContent)
        }
    }
}
