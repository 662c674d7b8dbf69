import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import Testing

/// Reports, the moderation queue and what admins do about them.
@Suite struct ModerationAPITests {
    func report(_ client: some TestClientProtocol, _ account: Account, _ body: ReportRequest) async throws -> TestResponse {
        try await client.call(.post, "/api/reports", token: account.token, json: body)
    }

    @Test func aReportIsOfAMessageOneCanSeeOrOfSomeoneElse() async throws {
        try await withMessages(.router) { client in
            let (student, expert, conversation) = try await client.pair("Rita", "Rex")
            let stranger = try await client.register("Stan")
            let sent = try await client.send(expert, "something rude", in: conversation.id).decode(Message.self)

            let filed = try await self.report(
                client,
                student,
                ReportRequest(reason: .harassment, conversationId: conversation.id, messageId: sent.id)
            )
            #expect(filed.status == .created)
            let receipt = try filed.decode(ReportReceipt.self)
            #expect(receipt.state == .open)
            // Not one's own message, not one of a conversation one is not in, not SYSTEM ones.
            let own = try await self.report(client, expert, ReportRequest(reason: .spam, conversationId: conversation.id, messageId: sent.id))
            #expect(own.status == .unprocessableContent)
            let outsider = try await self.report(client, stranger, ReportRequest(reason: .spam, conversationId: conversation.id, messageId: sent.id))
            #expect(outsider.status == .notFound)
            let welcome = try #require(conversation.lastMessage)
            let system = try await self.report(client, student, ReportRequest(reason: .spam, conversationId: conversation.id, messageId: welcome.id))
            #expect(system.status == .unprocessableContent)
            // A person; "other" says what.
            #expect(try await self.report(client, student, ReportRequest(reason: .other, userId: stranger.user.id)).status == .unprocessableContent)
            #expect(
                try await self.report(client, student, ReportRequest(reason: .other, text: "Asks for my address", userId: stranger.user.id)).status
                    == .created
            )
            #expect(try await self.report(client, student, ReportRequest(reason: .spam, userId: student.user.id)).status == .unprocessableContent)
            #expect(try await self.report(client, student, ReportRequest(reason: .spam)).status == .unprocessableContent)
            let piled = ReportRequest(reason: .other, text: "x" + String(repeating: "\u{301}", count: 9), userId: stranger.user.id)
            #expect(try await self.report(client, student, piled).status == .unprocessableContent)
        }
    }

    @Test func reportsAreBoundedPerReporterAnHour() async throws {
        try await withMessages(.router) { client in
            let reporter = try await client.register("Flood")
            let target = try await client.register("Target")
            for _ in 0..<20 {
                #expect(try await self.report(client, reporter, ReportRequest(reason: .spam, userId: target.user.id)).status == .created)
            }
            let refused = try await self.report(client, reporter, ReportRequest(reason: .spam, userId: target.user.id))
            #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] != nil)
        }
    }

    /// The queue shows the message with the messages around it (each read audited); an
    /// admin deletes it (a tombstone for everyone), warns, suspends (sign-in refused) and
    /// restores; each resolves the report once.
    @Test func anAdminWorksThroughTheQueue() async throws {
        let configuration = try TestEnvironment.messages()
        try await withMessages(.router, configuration: configuration) { client in
            let (student, expert, conversation) = try await client.pair("Quinn", "Quade")
            for line in ["one", "two", "three"] { _ = try await client.send(student, line, in: conversation.id) }
            let bad = try await client.send(expert, "the bad one", in: conversation.id).decode(Message.self)
            _ = try await client.send(student, "after", in: conversation.id)
            let admin = try await SafetyAPITests.admin(client, configuration: configuration)
            let filed = try await self.report(
                client,
                student,
                ReportRequest(reason: .inappropriateForMinors, conversationId: conversation.id, messageId: bad.id)
            )
            .decode(ReportReceipt.self)

            #expect(try await client.call(.get, "/api/admin/reports", token: student.token).status == .forbidden)
            let queue = try await client.call(.get, "/api/admin/reports?limit=50", token: admin.token).decode(ReportPage.self)
            let shown = try #require(queue.reports.first { $0.id == filed.id })
            #expect(shown.message?.content == "the bad one" && shown.subject.id == expert.user.id && shown.reporter.id == student.user.id)
            #expect(shown.context.map(\.content).suffix(4) == ["one", "two", "three", "after"])
            let audit = try await client.call(.get, "/api/admin/audit?limit=200", token: admin.token).decode(AuditPage.self)
            #expect(audit.entries.contains { $0.action == "read_report" && $0.subjectMessageId == bad.id && $0.actorId == admin.user.id })

            // Deleted by the admin: a tombstone in the conversation, the report actioned.
            let act = "/api/admin/reports/\(filed.id)/actions"
            #expect(try await client.call(.post, act, token: admin.token, json: ModerationRequest(action: .deleteMessage)).status == .noContent)
            let history = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                MessagePage.self
            )
            #expect(history.messages.first { $0.id == bad.id }?.deletedAt != nil)
            // A report is resolved once.
            #expect(try await client.call(.post, act, token: admin.token, json: ModerationRequest(action: .dismiss)).status == .notFound)
            let actioned = try await client.call(.get, "/api/admin/reports?state=actioned&limit=50", token: admin.token).decode(ReportPage.self)
            #expect(actioned.reports.first { $0.id == filed.id }?.action == "delete_message")

            // Suspended for good: sign-in refused with a clear message; restored, it works.
            let second = try await self.report(client, student, ReportRequest(reason: .harassment, userId: expert.user.id)).decode(ReportReceipt.self)
            let suspend = ModerationRequest(action: .suspend, note: "Repeated harassment")
            #expect(try await client.call(.post, "/api/admin/reports/\(second.id)/actions", token: admin.token, json: suspend).status == .noContent)
            let email = try #require(expert.user.email)
            let refused = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
            #expect(refused.status == .forbidden && refused.errorCode == .accountSuspended && String(buffer: refused.body).contains("for good"))
            // Refused at renewal too, which ends the session: it does not come back with the account.
            let renewal = RefreshRequest(refreshToken: expert.refreshToken)
            let stopped = try await client.call(.post, "/api/auth/refresh", json: renewal)
            #expect(stopped.status == .forbidden && stopped.errorCode == .accountSuspended)
            #expect(try await client.call(.post, "/api/auth/refresh", json: renewal).errorCode == .invalidToken)
            #expect(try await client.call(.post, "/api/admin/users/\(expert.user.id)/restore", token: admin.token).status == .noContent)
            let login = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
            #expect(login.status == .ok)

            // Suspended until a time past: refused as a bad request; a warning resolves too.
            let third = try await self.report(client, student, ReportRequest(reason: .spam, userId: expert.user.id)).decode(ReportReceipt.self)
            let past = ModerationRequest(action: .suspend, until: Date(timeIntervalSinceNow: -60))
            #expect(
                try await client.call(.post, "/api/admin/reports/\(third.id)/actions", token: admin.token, json: past).status == .unprocessableContent
            )
            #expect(
                try await client.call(.post, "/api/admin/reports/\(third.id)/actions", token: admin.token, json: ModerationRequest(action: .warn))
                    .status == .noContent
            )
            let lines = try await client.call(.get, "/api/admin/audit?limit=200", token: admin.token).decode(AuditPage.self).entries
                .filter { $0.subjectUserId == expert.user.id }.map(\.action)
            // Reading the actioned queue showed the message again: that read is on record too.
            #expect(lines.prefix(5) == ["warn", "restore", "suspend", "read_report", "delete_message"])
        }
    }
}
