import Auth
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
import ServiceClients
import ServiceKit
import Testing

@Suite struct AuthAPITests {
    @Test func registeredUsersLogInAndSeeThemselves() async throws {
        try await withMessages(.router) { client in
            let email = uniqueEmail("Ada")
            let registered = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "  Ada  ", email: email.uppercased(), password: "correct horse", role: .expert)
            )
            #expect(registered.status == .created)
            let account = try registered.decode(AuthResponse.self)
            #expect(account.user.name == "Ada" && account.user.email == email && account.user.role == .expert)

            let login = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse"))
            #expect(login.status == .ok)
            let token = try login.decode(AuthResponse.self).token
            let me = try await client.call(.get, "/api/me", token: token)
            #expect(try me.decode(User.self) == account.user)
        }
    }

    @Test func aTakenEmailIsAConflictWhateverItsCase() async throws {
        try await withMessages(.router) { client in
            let email = uniqueEmail("Bob")
            #expect(
                try await client.call(.post, "/api/auth/register", json: RegisterRequest(name: "Bob", email: email, password: "plain sailing")).status
                    == .created
            )
            let again = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "Bob", email: email.uppercased(), password: "plain sailing")
            )
            #expect(again.status == .conflict && again.errorCode == .emailTaken)
            #expect(try again.decode(ErrorBody.self).error.field == "email")
        }
    }

    @Test(
        arguments: [
            (#"{"name":"","email":"a@b.co","password":"plain sailing"}"#, 422, "name"),
            (#"{"name":"x","email":"not-an-email","password":"plain sailing"}"#, 422, "email"),
            (#"{"name":"x","email":"a@b.co","password":"short"}"#, 422, "password"),
            (#"{"name":"x","email":"a@b.co","password":"\#(String(repeating: "pq", count: 513))"}"#, 422, "password"),
            (#"{"name":"x","email":"a@b.co","password":"\#(String(repeating: "é", count: 513))"}"#, 422, "password"),
            // Common ones (any case), one character repeated, one's own name or address.
            (#"{"name":"x","email":"a@b.co","password":"12345678"}"#, 422, "password"),
            (#"{"name":"x","email":"a@b.co","password":"PassWord1"}"#, 422, "password"),
            (#"{"name":"x","email":"a@b.co","password":"zzzzzzzzzzzz"}"#, 422, "password"),
            (#"{"name":"Quentin Blake","email":"a@b.co","password":"quentin blake"}"#, 422, "password"),
            (#"{"name":"x","email":"rumpelstilzchen@b.co","password":"Rumpelstilzchen"}"#, 422, "password"),
            (#"{"name":"x\u0007","email":"a@b.co","password":"plain sailing"}"#, 422, "name"),
            (#"{"name":"x","email":"a@b.co","password":"plain sailing","role":"admin"}"#, 403, nil),
            (#"{"name":"x","email":"a@b.co","password":"plain sailing","role":"wizard"}"#, 400, nil),
            (#"{"name":"x","email":"a@b.co"}"#, 400, nil),
            (#"{"name":"x","#, 400, nil),
            ("", 400, nil),
        ] as [(String, Int, String?)]
    )
    func badRegistrationsAreRefusedClearly(body: String, status: Int, field: String?) async throws {
        try await withMessages(.router) { client in
            let response = try await client.execute(
                uri: "/api/auth/register",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            )
            #expect(response.status.code == status)
            let error = try response.decode(ErrorBody.self).error
            #expect(!error.message.isEmpty && error.field == field)
        }
    }

    @Test func theRulesASignUpFormStatesAreTheOnesChecked() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.openExpertSignup = false
        try await withMessages(.router, configuration: configuration) { client in
            let rules = try await client.call(.get, "/api/auth/rules").decode(AccountRules.self)
            #expect(rules == AccountRules(expertSignup: false))
            // Counted in characters (code points) at least, in bytes at most.
            let shortest = String("é✓kq7zr2mw9px4".prefix(rules.passwordMinLength))
            let longest = String(repeating: "kq7 zr2 ", count: rules.passwordMaxBytes / 8)
            for (password, accepted) in [
                (shortest, true), (String(shortest.dropLast()), false), (longest, true), (longest + "x", false),
            ] {
                let response = try await client.call(
                    .post,
                    "/api/auth/register",
                    json: RegisterRequest(name: "Rules", email: uniqueEmail("rules"), password: password)
                )
                #expect((response.status == .created) == accepted, "\(password.count)")
            }
        }
    }

    @Test func wrongPasswordsAndUnknownEmailsGetTheSameAnswer() async throws {
        try await withMessages(.router) { client in
            let account = try await client.register("Carol")
            let wrong = try await client.call(
                .post,
                "/api/auth/login",
                json: LoginRequest(email: account.user.email ?? "", password: "wrong password")
            )
            let unknown = try await client.call(
                .post,
                "/api/auth/login",
                json: LoginRequest(email: uniqueEmail("nobody"), password: "wrong password")
            )
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(String(buffer: wrong.body) == String(buffer: unknown.body))
        }
    }

    @Test func everyChatRouteChecksTheToken() async throws {
        let app = try await buildApplication(configuration: try TestEnvironment.messages(), logger: TestEnvironment.logger)
        let forger = await TokenAuthority(settings: AuthSettings(jwtSecret: String(repeating: "f", count: 40)))
        let current = await TokenAuthority(settings: TestEnvironment.auth)
        try await app.test(.router) { client in
            let account = try await client.register("Dan")
            let forged = try await forger.issue(for: account.user.id, role: .admin)
            let expired = try await current.issue(for: account.user.id, role: .student, now: Date().addingTimeInterval(-3600))
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/api/me"), (.get, "/api/chat/experts"), (.get, "/api/chat/conversations"), (.post, "/api/chat/conversations"),
                (.get, "/api/chat/conversations/\(UUID())/messages"), (.post, "/api/chat/conversations/\(UUID())/read"),
            ]
            for (method, uri) in routes {
                for (token, code) in [(nil, ErrorCode.unauthorized), ("garbage", .invalidToken), (forged, .invalidToken), (expired, .invalidToken)] {
                    let response = try await client.call(method, uri, token: token)
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                    #expect(response.errorCode == code, "\(method) \(uri)")
                }
            }
            let scheme = try await client.call(.get, "/api/me", headers: [.authorization: "Basic \(account.token)"])
            #expect(scheme.status == .unauthorized)
        }
    }

    /// Routes for other services take a service's token only, and a service's token passes
    /// for no user.
    @Test func internalRoutesTakeServiceTokensAndUserRoutesUsersTokens() async throws {
        let authority = await TokenAuthority(settings: TestEnvironment.auth)
        try await withMessages(.router) { client in
            let (student, expert, _) = try await client.pair("Ina", "Ivo")
            let service = try await authority.issueServiceToken(for: "presence")
            let contacts = MessagesAPI.contacts.path(student.user.id)
            for (token, code) in [(nil, ErrorCode.unauthorized), (student.token, .invalidToken), ("garbage", .invalidToken)] {
                let refused = try await client.call(.get, contacts, token: token)
                #expect(refused.status == .unauthorized && refused.errorCode == code)
            }
            let answered = try await client.call(.get, contacts, token: service)
            #expect(answered.status == .ok)
            #expect(try answered.decode(Contacts.self).userIds == [expert.user.id])
            let asUser = try await client.call(.get, "/api/me", token: service)
            #expect(asUser.status == .unauthorized && asUser.errorCode == .invalidToken)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withMessages(.router) { client in
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 2 * 1024 * 1024)
            let response = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"], body: huge)
            #expect(response.status == .contentTooLarge, "\(response.status) \(String(buffer: response.body))")
            #expect(response.errorCode == .payloadTooLarge)
        }
    }
}

@Suite struct ExpertSignupTests {
    @Test func closedExpertSignupRefusesExpertsAndAnOperatorPromotesOne() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.openExpertSignup = false
        let closed = configuration
        try await withMessages(.router, configuration: closed) { client in
            let email = uniqueEmail("Would-be")
            let refused = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "Would-be", email: email, password: "correct horse battery", role: .expert)
            )
            #expect(refused.status == .forbidden && refused.errorCode == .expertSignupClosed)
            let student = try await client.call(
                .post,
                "/api/auth/register",
                json: RegisterRequest(name: "Would-be", email: email, password: "correct horse battery", role: .student)
            )
            #expect(student.status == .created)

            // `messages set-role EMAIL expert`, as an operator runs it.
            let logger = TestEnvironment.logger
            #expect(try await MessagesAdmin.setRole(email: email.uppercased(), role: .expert, configuration: closed, logger: logger))
            #expect(!(try await MessagesAdmin.setRole(email: uniqueEmail("nobody"), role: .expert, configuration: closed, logger: logger)))
            let login = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: email, password: "correct horse battery"))
            #expect(try login.decode(AuthResponse.self).user.role == .expert)
        }
        #expect(await MessagesAdmin.run(["messages", "set-role", "only-an-email"]) == 64)
        #expect(await MessagesAdmin.run(["messages"]) == nil)
    }
}
