import ChatModels
import Foundation
import GatewayApp
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import HummingbirdTesting
import Logging
import MessagesApp
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceKit
import Testing

/// The Postgres and Redis that `./scripts/test` started; tests fail, never skip, without them.
enum TestEnvironment {
    static let auth = AuthSettings(jwtSecret: "integration-test-secret-0123456789abcdef", tokenLifetime: .seconds(600), bcryptCost: 4)

    static func values() throws -> ConfigurationValues {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DATABASE_URL"] != nil, environment["REDIS_URL"] != nil else {
            throw SetupError("DATABASE_URL and REDIS_URL are not set: run the tests through ./scripts/test")
        }
        return ConfigurationValues(environment)
    }

    static func messages() throws -> MessagesConfiguration {
        let values = try self.values()
        return MessagesConfiguration(
            http: HTTPSettings(port: 0),
            database: try DatabaseSettings(values),
            redis: try RedisConfiguration(values),
            auth: self.auth,
            logLevel: .critical
        )
    }

    static func gateway(messagesPort: Int, upstreams: UpstreamSettings? = nil) throws -> GatewayConfiguration {
        var settings = upstreams ?? UpstreamSettings()
        if upstreams == nil { settings.messages = URL(string: "http://127.0.0.1:\(messagesPort)")! }
        return GatewayConfiguration(http: HTTPSettings(port: 0), upstreams: settings, redis: try RedisConfiguration(try self.values()), auth: self.auth, logLevel: .critical)
    }

    static var logger: Logger {
        var logger = Logger(label: "tests")
        logger.logLevel = .critical
        return logger
    }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A registered user and their token.
struct Account: Sendable {
    var user: User
    var token: String
}

/// A unique email, so tests never collide in the shared database.
func uniqueEmail(_ name: String) -> String {
    "\(name.lowercased())-\(UUID().uuidString.prefix(12).lowercased())@example.com"
}

extension TestClientProtocol {
    /// A request with an optional bearer token and JSON body.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: (any Encodable)? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try ChatJSON.encoder().encode(json))
        }
        return try await self.execute(uri: uri, method: method, headers: headers, body: body)
    }

    func register(_ name: String, role: Role = .student, password: String = "correct horse battery") async throws -> Account {
        let response = try await self.call(.post, "/api/auth/register", json: RegisterRequest(name: name, email: uniqueEmail(name), password: password, role: role))
        guard response.status == .created else { throw SetupError("register answered \(response.status): \(String(buffer: response.body))") }
        let auth = try response.decode(AuthResponse.self)
        return Account(user: auth.user, token: auth.token)
    }

    /// Opens (or finds) a conversation of `account` with `others`.
    func open(_ account: Account, with others: [Account], title: String? = nil) async throws -> Conversation {
        let response = try await self.call(
            .post, "/api/chat/conversations", token: account.token,
            json: CreateConversationRequest(participantIds: others.map(\.user.id), title: title)
        )
        guard response.status == .created || response.status == .ok else { throw SetupError("open answered \(response.status)") }
        return try response.decode(Conversation.self)
    }

    func send(_ account: Account, _ content: String, in conversation: UUID, clientMessageId: String? = nil) async throws -> TestResponse {
        try await self.call(
            .post, "/api/chat/conversations/\(conversation)/messages", token: account.token,
            json: SendMessageRequest(content: content, clientMessageId: clientMessageId)
        )
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ChatJSON.decoder().decode(T.self, from: Data(buffer: self.body))
    }

    /// The `error.code` of a JSON error body.
    var errorCode: String? {
        (try? self.decode(ErrorBody.self))?.error.code
    }
}

/// The messages service under test: in-process (`.router`) or listening on a port (`.live`).
func withMessages<Value: Sendable>(_ setup: TestingSetup, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
    let app = try await MessagesApp.buildApplication(configuration: try TestEnvironment.messages(), logger: TestEnvironment.logger)
    return try await app.test(setup, test)
}

extension TestClientProtocol {
    /// A student, an expert and their direct conversation.
    func pair(_ studentName: String, _ expertName: String) async throws -> (student: Account, expert: Account, conversation: Conversation) {
        let student = try await self.register(studentName)
        let expert = try await self.register(expertName, role: .expert)
        return (student, expert, try await self.open(student, with: [expert]))
    }
}
