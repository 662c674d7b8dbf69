import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import ServiceClients
import Testing

/// A block between two people: neither opens a conversation with the other, their direct
/// conversation takes no message from either, and the one blocked is not told why.
@Suite struct BlockAPITests {
    @Test func aBlockStopsTheDirectConversationBothWaysAndEndsWithAnUnblock() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Bea")
            let expert = try await client.register("Ed", role: .expert)
            let conversation = try await client.open(student, with: [expert]).id
            #expect(try await client.send(expert, "Hello Bea", in: conversation).status == .created)

            #expect(try await client.call(.put, "/api/me/blocks/\(expert.user.id)", token: student.token).status == .noContent)
            #expect(try await client.call(.put, "/api/me/blocks/\(expert.user.id)", token: student.token).status == .noContent)  // again: the same
            let listed = try await client.call(.get, "/api/me/blocks", token: student.token).decode([User].self)
            #expect(listed.map(\.id) == [expert.user.id] && listed[0].email == nil)
            #expect(try await client.call(.get, "/api/me/blocks", token: expert.token).decode([User].self).isEmpty)

            let refused = try await client.send(expert, "Are you there?", in: conversation)
            #expect(refused.status == .forbidden && refused.errorCode == .notDelivered)
            #expect(!String(buffer: refused.body).lowercased().contains("block"))  // the one blocked is not told why
            let own = try await client.send(student, "Hi", in: conversation)
            #expect(own.status == .forbidden && own.errorCode == .notDelivered && String(buffer: own.body).contains("unblock"))
            // Neither starts a new conversation with the other, directly or in a group.
            let other = try await client.register("Ola", role: .expert)
            let group = try await client.call(
                .post,
                "/api/chat/conversations",
                token: student.token,
                json: CreateConversationRequest(participantIds: [expert.user.id, other.user.id], title: "Around the block")
            )
            #expect(group.status == .forbidden && group.errorCode == .contactNotAllowed)
            // The direct one they have is still theirs to read.
            let again = try await client.call(
                .post,
                "/api/chat/conversations",
                token: student.token,
                json: CreateConversationRequest(expertId: expert.user.id)
            )
            #expect(again.status == .ok)
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation)/messages", token: student.token)
            #expect(try history.decode(MessagePage.self).messages.map(\.content).contains("Hello Bea"))

            #expect(try await client.call(.delete, "/api/me/blocks/\(expert.user.id)", token: student.token).status == .noContent)
            #expect(try await client.send(expert, "Are you there now?", in: conversation).status == .created)
        }
    }

    @Test func aBlockIsOfSomeoneElseWhoExists() async throws {
        try await withMessages(.router) { client in
            let user = try await client.register("Self")
            #expect(try await client.call(.put, "/api/me/blocks/\(user.user.id)", token: user.token).status == .unprocessableContent)
            #expect(try await client.call(.put, "/api/me/blocks/\(UUID())", token: user.token).status == .notFound)
            #expect(try await client.call(.put, "/api/me/blocks/not-an-id", token: user.token).status == .badRequest)
            #expect(try await client.call(.get, "/api/me/blocks").status == .unauthorized)
        }
    }

    /// Presence learns whom a user has a block with, and their contacts no longer hold them.
    @Test func contactsLeaveOutTheBlockedAndNameThem() async throws {
        try await withMessages(.router) { client in
            let student = try await client.register("Cy")
            let expert = try await client.register("Di", role: .expert)
            _ = try await client.open(student, with: [expert])
            #expect(try await client.call(.put, "/api/me/blocks/\(student.user.id)", token: expert.token).status == .noContent)
            let token = try await TokenAuthority(settings: TestEnvironment.auth).issueServiceToken(for: "presence")
            for (user, other) in [(student, expert), (expert, student)] {
                let contacts = try await client.call(.get, MessagesAPI.contacts.path(user.user.id), token: token).decode(Contacts.self)
                #expect(contacts.userIds.isEmpty && contacts.blockedUserIds == [other.user.id])
                let relations = try await client.call(.get, MessagesAPI.blockRelations.path(user.user.id), token: token)
                #expect(try relations.decode(BlockRelations.self).userIds == [other.user.id])
                #expect(try await client.call(.get, MessagesAPI.blockRelations.path(user.user.id), token: user.token).status == .unauthorized)
            }
        }
    }
}
