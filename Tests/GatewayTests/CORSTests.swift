import Auth
import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import GatewayApp

@Suite struct OriginPolicyTests {
    let policy = OriginPolicy(allowed: ["https://app.example.com", "http://localhost:3000"])

    @Test func originsAreAllowedByTheListOrByBeingTheGatewaysOwn() {
        #expect(self.policy.verdict(origin: nil, host: "chat.example.com") == .noOrigin)
        #expect(self.policy.verdict(origin: "https://chat.example.com", host: "chat.example.com") == .sameOrigin)
        #expect(self.policy.verdict(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080") == .sameOrigin)
        #expect(self.policy.verdict(origin: "HTTPS://App.Example.com", host: "chat.example.com") == .allowed("HTTPS://App.Example.com"))
        #expect(self.policy.verdict(origin: "http://localhost:3000", host: "127.0.0.1:8080") == .allowed("http://localhost:3000"))
        #expect(self.policy.verdict(origin: "http://localhost:3001", host: "127.0.0.1:8080") == .refused)
        #expect(self.policy.verdict(origin: "https://evil.example", host: "chat.example.com") == .refused)
        #expect(self.policy.verdict(origin: "null", host: "chat.example.com") == .refused)
        #expect(!self.policy.admits(origin: "https://evil.example", host: nil))
    }

    @Test func theListIsExactOriginsOnly() {
        #expect(OriginPolicy.origins("") == [])
        #expect(OriginPolicy.origins(" https://a.example , http://b.example:8080 ") == ["https://a.example", "http://b.example:8080"])
        for bad in ["*", "https://*.example.com", "a.example", "ftp://a.example", "https://a.example/", "https://a.example/path"] {
            #expect(OriginPolicy.origins(bad) == nil, "\(bad)")
        }
    }
}

/// CORS at the edge, in front of everything the gateway answers.
@Suite struct CORSTests {
    static let page = "https://app.example.com"

    func withGateway(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let echo = EchoUpstream()
        try await echo.application().test(.live) { upstream in
            let url = URL(string: "http://127.0.0.1:\(try #require(upstream.port))")!
            var configuration = try TestEnvironment.gateway(
                messagesPort: 0,
                upstreams: UpstreamSettings(messages: url, presence: url, uploads: url, connectTimeout: .milliseconds(500))
            )
            configuration.corsOrigins = [Self.page]
            try await GatewayApp.buildApplication(configuration: configuration, logger: TestEnvironment.logger).test(.live, body)
        }
    }

    @Test func aPreflightFromAnAllowedPageIsAnsweredBeforeAnyToken() async throws {
        try await self.withGateway { client in
            let preflight = try await client.execute(
                uri: "/api/chat/conversations",
                method: .options,
                headers: [
                    .origin: Self.page, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization",
                ]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.page)
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            let refused = try await client.execute(
                uri: "/api/chat/conversations",
                method: .options,
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]
            )
            #expect(refused.status == .forbidden && refused.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func answersToAnAllowedPageCarryTheHeadersErrorsIncluded() async throws {
        try await self.withGateway { client in
            let token = try await TokenAuthority(settings: TestEnvironment.auth).issue(for: UUID(), role: .student)
            let proxied = try await client.execute(
                uri: "/api/chat/conversations",
                method: .get,
                headers: [.origin: Self.page, .authorization: "Bearer \(token)"]
            )
            #expect(proxied.status == .accepted && proxied.headers[.accessControlAllowOrigin] == Self.page)
            #expect(proxied.headers[.vary] == "Origin")
            // A refusal at the edge is readable by the page too.
            let unauthorized = try await client.execute(uri: "/api/chat/conversations", method: .get, headers: [.origin: Self.page])
            #expect(unauthorized.status == .unauthorized && unauthorized.headers[.accessControlAllowOrigin] == Self.page)
            // Another origin is served, without the headers: the browser keeps the answer from its page.
            let other = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://evil.example"])
            #expect(other.status == .ok && other.headers[.accessControlAllowOrigin] == nil)
            let plain = try await client.execute(uri: "/healthz", method: .get)
            #expect(plain.status == .ok && plain.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func theSocketIOPathsRefuseAPageOfAnotherOrigin() async throws {
        try await self.withGateway { client in
            let refused = try await client.execute(
                uri: "/socket.io/?EIO=4&transport=websocket",
                method: .get,
                headers: [.origin: "https://evil.example"]
            )
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body) == #"{"code":4,"message":"Forbidden"}"#)
        }
    }
}
