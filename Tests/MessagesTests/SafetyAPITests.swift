import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MessagesTestSupport
import PostgresNIO
import Testing

@testable import MessagesApp

/// Who may open a conversation with whom (`CONTACT_POLICY`), verified experts, and the
/// audit log of what admins do.
@Suite struct SafetyAPITests {
    /// Under `students-start` (the default) a student opens a conversation with an expert
    /// or a group holding one; an expert answers in it but never opens one with a student;
    /// staff talk freely; an admin opens any.
    @Test func studentsStartConversationsAndExpertsAnswer() async throws {
        let configuration = try TestEnvironment.messages()
        try await withMessages(.router, configuration: configuration) { client in
            let (ann, bob) = (try await client.register("Ann"), try await client.register("Bob"))
            let (eve, fay) = (try await client.register("Eve", role: .expert), try await client.register("Fay", role: .expert))
            let admin = try await Self.admin(client, configuration: configuration)

            func open(_ account: Account, _ others: [Account], title: String? = nil) async throws -> TestResponse {
                try await client.call(
                    .post,
                    "/api/chat/conversations",
                    token: account.token,
                    json: CreateConversationRequest(participantIds: others.map(\.user.id), title: title)
                )
            }
            let direct = try await open(ann, [eve])
            #expect(direct.status == .created)
            #expect(try await open(ann, [bob, eve], title: "Study group").status == .created)
            #expect(try await open(eve, [fay]).status == .created)
            #expect(try await open(eve, [fay], title: "Staff room").status == .created)
            #expect(try await open(admin, [ann]).status == .created)
            #expect(try await open(admin, [ann, bob], title: "Between two students").status == .created)

            for (account, others, title) in [
                (ann, [bob], nil), (ann, [bob], "Just us"), (eve, [bob], nil), (eve, [fay, ann], "Experts and a student"),
            ] {
                let refused = try await open(account, others, title: title)
                #expect(refused.status == .forbidden && refused.errorCode == .contactNotAllowed, "\(account.user.name) → \(others.map(\.user.name))")
            }
            // The expert asks for the conversation the student opened: it is given back.
            let answered = try await open(eve, [ann])
            #expect(answered.status == .ok)
            #expect(try answered.decode(Conversation.self).id == direct.decode(Conversation.self).id)
            // And writes in it.
            #expect(try await client.send(eve, "Happy to help", in: try direct.decode(Conversation.self).id).status == .created)
        }
    }

    @Test func anOpenPolicyLetsAnyoneOpenAConversation() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.contactPolicy = .open
        try await withMessages(.router, configuration: configuration) { client in
            let (ann, bob, eve) = (
                try await client.register("Ann"), try await client.register("Bob"), try await client.register("Eve", role: .expert)
            )
            #expect(try await client.open(ann, with: [bob]).kind == .direct)
            #expect(try await client.open(eve, with: [bob]).kind == .direct)
        }
    }

    /// An admin vouches for an expert: the profile says so, the directory (when it lists
    /// only verified experts) shows them alone, and the audit log holds each step, for good.
    @Test func anAdminVerifiesAnExpertAndTheAuditLogKeepsIt() async throws {
        var verifiedOnly = try TestEnvironment.messages()
        verifiedOnly.verifiedExpertsOnly = true
        let configuration = verifiedOnly
        try await withMessages(.router, configuration: configuration) { client in
            let student = try await client.register("Stu")
            let marker = UUID().uuidString.prefix(8)
            let (vouched, other) = (
                try await client.register("Vera\(marker)", role: .expert), try await client.register("Vic\(marker)", role: .expert)
            )
            let admin = try await Self.admin(client, configuration: configuration)
            let path = "/api/admin/users/\(vouched.user.id)/verified"

            for account in [student, vouched] {
                let refused = try await client.call(.put, path, token: account.token)
                #expect(refused.status == .forbidden && refused.errorCode == .forbidden)
            }
            #expect(try await client.call(.put, path).status == .unauthorized)
            let notAnExpert = try await client.call(.put, "/api/admin/users/\(student.user.id)/verified", token: admin.token)
            #expect(notAnExpert.status == .unprocessableContent)
            #expect(try await client.call(.put, "/api/admin/users/\(UUID())/verified", token: admin.token).status == .notFound)

            let verified = try await client.call(.put, path, token: admin.token)
            #expect(verified.status == .ok)
            #expect(try verified.decode(User.self).verified == true)
            let listed = try await client.call(.get, "/api/chat/experts?q=\(marker)", token: student.token).decode([User].self)
            #expect(listed.map(\.id) == [vouched.user.id] && listed[0].verified == true)
            let profile = try await client.call(.get, "/api/users/\(other.user.id)", token: student.token).decode(User.self)
            #expect(profile.verified == nil)

            #expect(try await client.call(.delete, path, token: admin.token).decode(User.self).verified == nil)
            #expect(try await client.call(.get, "/api/chat/experts?q=\(marker)", token: student.token).decode([User].self).isEmpty)

            // Other tests write to the log meanwhile: this expert's lines, newest first.
            let audit = try await client.call(.get, "/api/admin/audit?limit=200", token: admin.token)
            #expect(audit.status == .ok)
            let lines = try audit.decode(AuditPage.self).entries.filter { $0.subjectUserId == vouched.user.id }
            #expect(lines.map(\.action) == ["unverify", "verify"])
            #expect(lines.allSatisfy { $0.actorId == admin.user.id })
            let first = try await client.call(.get, "/api/admin/audit?limit=1", token: admin.token).decode(AuditPage.self)
            let cursor = try #require(first.nextCursor)
            let next = try await client.call(.get, "/api/admin/audit?limit=1&cursor=\(cursor)", token: admin.token).decode(AuditPage.self)
            #expect(next.entries.count == 1 && next.entries[0].id < first.entries[0].id)
            #expect(try await client.call(.get, "/api/admin/audit", token: student.token).status == .forbidden)
            #expect(try await client.call(.get, "/api/admin/audit?cursor=zero", token: admin.token).status == .badRequest)
        }
        // Append-only, whoever asks: the database refuses to change or remove a line.
        try await withTestPostgres(configuration) { postgres in
            for statement in ["UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                await #expect(throws: PSQLError.self) { try await postgres.query(PostgresQuery(unsafeSQL: statement)) }
            }
        }
    }

    /// `messages set-role EMAIL expert --verified`, as an operator runs it: an expert,
    /// verified, both in the audit log without an actor.
    @Test func anOperatorMakesAVerifiedExpert() async throws {
        let configuration = try TestEnvironment.messages()
        try await withMessages(.router, configuration: configuration) { client in
            let account = try await client.register("Olga")
            let email = try #require(account.user.email)
            #expect(
                try await MessagesAdmin.setRole(
                    email: email,
                    role: .expert,
                    verified: true,
                    configuration: configuration,
                    logger: TestEnvironment.logger
                )
            )
            let login = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
            let user = try login.decode(AuthResponse.self).user
            #expect(user.role == .expert && user.verified == true)
            // Made a student again, the mark goes.
            #expect(try await MessagesAdmin.setRole(email: email, role: .student, configuration: configuration, logger: TestEnvironment.logger))
            let again = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
            #expect(try again.decode(AuthResponse.self).user.verified == nil)
        }
        #expect(await MessagesAdmin.run(["messages", "set-role", "a@example.com", "student", "--verified"]) == 64)
    }

    /// A new account made an admin by the operator, signed in again (the role is in the token).
    static func admin(_ client: any TestClientProtocol, configuration: MessagesConfiguration) async throws -> Account {
        let account = try await client.register("Admin")
        let email = try #require(account.user.email)
        _ = try await MessagesAdmin.setRole(email: email, role: .admin, configuration: configuration, logger: TestEnvironment.logger)
        let login = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
        let auth = try login.decode(AuthResponse.self)
        return Account(user: auth.user, token: auth.token)
    }
}
