import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import MessagesTestSupport
import PostgresNIO
import Testing

@testable import MessagesApp

/// `EMAIL_VERIFICATION=required`: a new account reads, and writes to nobody until the link
/// mailed at sign-up is opened.
@Suite struct VerificationAPITests {
    /// The token of the newest confirmation link queued for `email`, read from the outbox.
    static func mailedToken(_ postgres: PostgresClient, to email: String) async throws -> String? {
        let rows = try await postgres.query(
            "SELECT message FROM mail_outbox WHERE recipient = \(email) AND kind = 'email_verification' ORDER BY created_at DESC LIMIT 1"
        )
        guard let message = try await rows.decode(String.self).first(where: { _ in true }) else { return nil }
        // The text part is base64; the link ends in the token.
        let plain = message.components(separatedBy: "\r\n\r\n")[2].components(separatedBy: "\r\n--")[0].replacingOccurrences(of: "\r\n", with: "")
        let text = String(decoding: Data(base64Encoded: plain) ?? Data(), as: UTF8.self)
        return text.range(of: #"/chat/verify/[A-Za-z0-9_-]{43}"#, options: .regularExpression).map { String(text[$0].suffix(43)) }
    }

    @Test func anUnconfirmedAccountReadsButWritesToNobodyUntilItsLinkIsOpened() async throws {
        var required = try TestEnvironment.messages()
        required.mail.verificationRequired = true
        let configuration = required
        try await withTestPostgres(configuration) { postgres in
            try await withMessages(.router, configuration: configuration) { client in
                let expert = try await client.register("Vera", role: .expert)
                let student = try await client.register("Nia")
                let email = try #require(student.user.email)
                let tokens = await TokenAuthority(settings: TestEnvironment.auth)
                #expect(try await tokens.verify(student.token).emailVerified == false)
                #expect(try await client.call(.get, "/api/me", token: student.token).decode(User.self).emailVerified == false)
                let open = try await client.call(
                    .post,
                    "/api/chat/conversations",
                    token: student.token,
                    json: CreateConversationRequest(expertId: expert.user.id)
                )
                #expect(open.status == .forbidden && open.errorCode == .emailUnverified)
                // Reading is allowed.
                #expect(try await client.call(.get, "/api/chat/experts", token: student.token).status == .ok)

                let token = try #require(try await Self.mailedToken(postgres, to: email))
                #expect(try await client.call(.post, "/api/auth/verify-email", json: EmailVerificationRequest(token: token)).status == .noContent)
                let again = try await client.call(.post, "/api/auth/verify-email", json: EmailVerificationRequest(token: token))
                #expect(again.errorCode == .linkInvalid, "once only")
                // The token held still says otherwise; a renewed one does not.
                let renewed = try await client.call(.post, "/api/auth/refresh", json: RefreshRequest(refreshToken: student.refreshToken)).decode(
                    AuthResponse.self
                )
                #expect(try await tokens.verify(renewed.token).emailVerified)
                #expect(try await client.call(.get, "/api/me", token: renewed.token).decode(User.self).emailVerified == true)
                let conversation = try await client.call(
                    .post,
                    "/api/chat/conversations",
                    token: renewed.token,
                    json: CreateConversationRequest(expertId: expert.user.id)
                )
                #expect(conversation.status == .created)
                let sent = try await client.send(
                    Account(user: student.user, token: renewed.token),
                    "hello",
                    in: try conversation.decode(Conversation.self).id
                )
                #expect(sent.status == .created)
                // Nothing more to confirm.
                #expect(try await client.call(.post, "/api/me/verification", token: renewed.token).status == .noContent)
            }
        }
    }

    @Test func anotherLinkIsMailedOnRequestAndOnlyTheNewestWorks() async throws {
        var required = try TestEnvironment.messages()
        required.mail.verificationRequired = true
        let configuration = required
        try await withTestPostgres(configuration) { postgres in
            try await withMessages(.router, configuration: configuration) { client in
                let student = try await client.register("Lia")
                let email = try #require(student.user.email)
                let first = try #require(try await Self.mailedToken(postgres, to: email))
                #expect(try await client.call(.post, "/api/me/verification", token: student.token).status == .accepted)
                let second = try #require(try await Self.mailedToken(postgres, to: email))
                #expect(first != second)
                #expect(
                    try await client.call(.post, "/api/auth/verify-email", json: EmailVerificationRequest(token: first)).errorCode == .linkInvalid
                )
                #expect(try await client.call(.post, "/api/auth/verify-email", json: EmailVerificationRequest(token: second)).status == .noContent)
            }
        }
    }

    @Test func withVerificationOffNothingIsMailedOrAsked() async throws {
        let configuration = try TestEnvironment.messages()
        try await withTestPostgres(configuration) { postgres in
            try await withMessages(.router, configuration: configuration) { client in
                let student = try await client.register("Fay")
                #expect(try await Self.mailedToken(postgres, to: try #require(student.user.email)) == nil)
                #expect(try await TokenAuthority(settings: TestEnvironment.auth).verify(student.token).emailVerified)
                #expect(try await client.call(.get, "/api/me", token: student.token).decode(User.self).emailVerified == nil)
            }
        }
    }
}
