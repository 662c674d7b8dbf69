import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import ServiceKit
import Testing

@testable import GatewayApp

@Suite struct GatewayRoutingTests {
    @Test(arguments: [
        ("/api/auth/register", UpstreamRoute(service: .messages, requiresToken: false)),
        ("/api/auth/login", UpstreamRoute(service: .messages, requiresToken: false)),
        ("/api/auth/login/extra", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/me", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/chat/conversations", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/chat/conversations/x/messages", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/chat/conversations/x/upload", UpstreamRoute(service: .uploads, requiresToken: true)),
        ("/api/chat/attachments/x", UpstreamRoute(service: .uploads, requiresToken: true)),
        ("/api/presence", UpstreamRoute(service: .presence, requiresToken: true)),
        ("/api/calls/ice-servers", UpstreamRoute(service: .presence, requiresToken: true)),
        ("//api//me", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/chat/openapi.json", UpstreamRoute(service: .messages, requiresToken: true)),
        ("/api/chat/search", UpstreamRoute(service: .messages, requiresToken: true)),
    ])
    func pathsGoToTheirOwner(path: String, route: UpstreamRoute) {
        #expect(UpstreamRoute(path: path) == route)
    }

    @Test func theGatewaysOwnPathsAreNotProxied() {
        for path in ["/", "/healthz", "/metrics", "/api", "/api/socket/", "/socket.io/", "/apix/me", "/api/openapi.json"] {
            #expect(UpstreamRoute(path: path) == nil, "\(path)")
        }
    }
}

/// An upstream that answers with what it received, counting requests.
struct EchoUpstream {
    struct Echo: Codable {
        var method: String
        var uri: String
        var requestID: String?
        var forwardedFor: String?
        var connection: String?
        var bytes: Int
    }

    let requests = NIOLockedValueBox(0)

    func application() -> some ApplicationProtocol {
        let router = Router()
        let requests = self.requests
        router.on("api/early", method: .post) { _, _ -> Response in
            // Answers before reading the body, as a size limit does mid-upload.
            Response(
                status: .contentTooLarge,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"code":"payload_too_large","message":"too large"}}"#))
            )
        }
        router.on("api/slow", method: .get) { _, _ -> String in
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("api/**", method: method) { request, _ -> Response in
                requests.withLockedValue { $0 += 1 }
                var bytes = 0
                for try await chunk in request.body { bytes += chunk.readableBytes }
                let echo = Echo(
                    method: request.method.rawValue,
                    uri: request.uri.description,
                    requestID: request.headers[.requestID],
                    forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
                    connection: request.headers[.connection],
                    bytes: bytes
                )
                return Response(
                    status: .accepted,
                    headers: [.contentType: "application/json", HTTPField.Name("X-Upstream")!: "echo"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(echo)))
                )
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestEnvironment.logger)
    }
}

@Suite struct GatewayProxyTests {
    func gateway(upstreams: UpstreamSettings) async throws -> some ApplicationProtocol {
        try await GatewayApp.buildApplication(
            configuration: try TestEnvironment.gateway(messagesPort: 0, upstreams: upstreams),
            logger: TestEnvironment.logger
        )
    }

    func settings(echoPort port: Int, timeout: Duration = .seconds(10)) -> UpstreamSettings {
        let url = URL(string: "http://127.0.0.1:\(port)")!
        return UpstreamSettings(
            messages: url,
            presence: url,
            uploads: url,
            connectTimeout: .milliseconds(500),
            timeout: timeout,
            uploadTimeout: timeout
        )
    }

    @Test func requestsAreForwardedWithTheirIdAndStreamedBody() async throws {
        let echo = EchoUpstream()
        try await echo.application().test(.live) { upstream in
            let port = try #require(upstream.port)
            try await self.gateway(upstreams: self.settings(echoPort: port)).test(.live) { client in
                let account = Account(
                    user: User(id: UUID(), name: "x", email: "x@y.z", role: .student),
                    token: try await TokenAuthority(settings: TestEnvironment.auth).issue(for: UUID(), role: .student)
                )
                let body = ByteBuffer(repeating: 7, count: 3 * 1024 * 1024 + 5)
                let response = try await client.execute(
                    uri: "/api/chat/conversations/abc/messages?x=1",
                    method: .post,
                    headers: [.authorization: "Bearer \(account.token)", .requestID: "trace-42", .connection: "keep-alive"],
                    body: body
                )
                #expect(response.status == .accepted)
                #expect(response.headers[.requestID] == "trace-42")
                #expect(response.headers[HTTPField.Name("X-Upstream")!] == "echo")
                let seen = try JSONDecoder().decode(EchoUpstream.Echo.self, from: Data(buffer: response.body))
                #expect(seen.method == "POST" && seen.uri == "/api/chat/conversations/abc/messages?x=1")
                #expect(seen.requestID == "trace-42")
                #expect(seen.bytes == body.readableBytes)
                #expect(seen.forwardedFor == "127.0.0.1")
                #expect(seen.connection == nil)
            }
        }
    }

    @Test func anUpstreamAnsweringBeforeTheBodyEndsLeavesTheConnectionUsable() async throws {
        let echo = EchoUpstream()
        try await echo.application().test(.live) { upstream in
            try await self.gateway(upstreams: self.settings(echoPort: try #require(upstream.port))).test(.live) { client in
                let token = try await TokenAuthority(settings: TestEnvironment.auth).issue(for: UUID(), role: .student)
                for _ in 0..<3 {
                    let response = try await client.execute(
                        uri: "/api/early",
                        method: .post,
                        headers: [.authorization: "Bearer \(token)"],
                        body: ByteBuffer(repeating: 1, count: 4 * 1024 * 1024)
                    )
                    #expect(response.status == .contentTooLarge && response.errorCode == .payloadTooLarge)
                    // The same connection serves the next request.
                    #expect(try await client.call(.get, "/healthz").status == .ok)
                }
            }
        }
    }

    @Test func badTokensAreStoppedAtTheEdge() async throws {
        let echo = EchoUpstream()
        try await echo.application().test(.live) { upstream in
            try await self.gateway(upstreams: self.settings(echoPort: try #require(upstream.port))).test(.router) { client in
                for token in [nil, "garbage", "a.b.c"] {
                    let response = try await client.call(.get, "/api/chat/conversations", token: token)
                    #expect(response.status == .unauthorized && response.errorCode != nil)
                }
                #expect(echo.requests.withLockedValue { $0 } == 0)
                // The public routes need none.
                #expect(try await client.call(.post, "/api/auth/login").status == .accepted)
                #expect(echo.requests.withLockedValue { $0 } == 1)
            }
        }
    }

    @Test func aServiceThatIsDownIsAJSON503Quickly() async throws {
        let closed = try await unusedPort()
        try await self.gateway(upstreams: self.settings(echoPort: closed)).test(.router) { client in
            let start = ContinuousClock.now
            let response = try await client.call(.post, "/api/auth/login", json: LoginRequest(email: "a@b.c", password: "12345678"))
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == .upstreamUnavailable)
            #expect(try response.decode(ErrorBody.self).error.retryable == true)
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }

    @Test func aServiceThatHangsIsAJSON504WithinTheTimeout() async throws {
        let echo = EchoUpstream()
        try await echo.application().test(.live) { upstream in
            let settings = self.settings(echoPort: try #require(upstream.port), timeout: .milliseconds(500))
            try await self.gateway(upstreams: settings).test(.router) { client in
                let token = try await TokenAuthority(settings: TestEnvironment.auth).issue(for: UUID(), role: .student)
                let start = ContinuousClock.now
                let response = try await client.call(.get, "/api/slow", token: token)
                #expect(response.status == .gatewayTimeout && response.errorCode == .upstreamTimeout)
                #expect(ContinuousClock.now - start < .seconds(3))
            }
        }
    }

    @Test func theGatewayServesTheChatThroughMessages() async throws {
        let messages = try await MessagesApp.buildApplication(configuration: try TestEnvironment.messages(), logger: TestEnvironment.logger)
        try await messages.test(.live) { upstream in
            let configuration = try TestEnvironment.gateway(messagesPort: try #require(upstream.port))
            try await GatewayApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger).test(.live) { client in
                let student = try await client.register("Gia")
                let expert = try await client.register("Gus", role: .expert)
                let conversation = try await client.open(student, with: [expert])
                #expect(try await client.send(expert, "through the gateway", in: conversation.id).status == .created)
                let page = try await client.call(.get, "/api/chat/conversations/\(conversation.id)/messages", token: student.token).decode(
                    MessagePage.self
                )
                #expect(page.messages.map(\.content).last == "through the gateway")
                #expect(try await client.call(.get, "/healthz").status == .ok)
                #expect(try await client.call(.get, "/readyz").status == .ok)
            }
        }
    }
}
