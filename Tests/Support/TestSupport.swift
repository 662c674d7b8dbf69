import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONKit
import Logging
import NIOCore
import NIOFoundationCompat
import Redis
import ServiceConfiguration

/// The Postgres and Redis that `./scripts/test` started; tests fail, never skip, without them.
public enum TestEnvironment {
    public static let auth = AuthSettings(jwtSecret: "integration-test-secret-0123456789abcdef", tokenLifetime: .seconds(600))

    public static func values() throws -> ConfigurationValues {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DATABASE_URL"] != nil, environment["REDIS_URL"] != nil else {
            throw SetupError("DATABASE_URL and REDIS_URL are not set: run the tests through ./scripts/test")
        }
        return ConfigurationValues(environment)
    }

    public static var logger: Logger {
        var logger = Logger(label: "tests")
        logger.logLevel = .critical
        return logger
    }
}

public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A registered user and their token.
public struct Account: Sendable {
    public var user: User
    public var token: String
    /// The session's refresh token, from sign-up.
    public var refreshToken: String?

    public init(user: User, token: String, refreshToken: String? = nil) {
        self.user = user
        self.token = token
        self.refreshToken = refreshToken
    }
}

/// A unique email, so tests never collide in the shared database.
public func uniqueEmail(_ name: String) -> String {
    "\(name.lowercased())-\(UUID().uuidString.prefix(12).lowercased())@example.com"
}

extension TestClientProtocol {
    /// A request with an optional bearer token and JSON body.
    public func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        json: (any Encodable)? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = try ChatJSON.buffer(json)
        }
        return try await self.execute(uri: uri, method: method, headers: headers, body: body)
    }

    public func register(_ name: String, role: Role = .student, password: String = "correct horse battery") async throws -> Account {
        let response = try await self.call(
            .post,
            "/api/auth/register",
            json: RegisterRequest(name: name, email: uniqueEmail(name), password: password, role: role)
        )
        guard response.status == .created else { throw SetupError("register answered \(response.status): \(String(buffer: response.body))") }
        let auth = try response.decode(AuthResponse.self)
        return Account(user: auth.user, token: auth.token, refreshToken: auth.refreshToken)
    }

    /// Opens (or finds) a conversation of `account` with `others`.
    public func open(_ account: Account, with others: [Account], title: String? = nil) async throws -> Conversation {
        let response = try await self.call(
            .post,
            "/api/chat/conversations",
            token: account.token,
            json: CreateConversationRequest(participantIds: others.map(\.user.id), title: title)
        )
        guard response.status == .created || response.status == .ok else { throw SetupError("open answered \(response.status)") }
        return try response.decode(Conversation.self)
    }

    public func send(
        _ account: Account,
        _ content: String,
        in conversation: UUID,
        clientMessageId: String? = nil,
        replyTo: UUID? = nil
    ) async throws -> TestResponse {
        try await self.call(
            .post,
            "/api/chat/conversations/\(conversation)/messages",
            token: account.token,
            json: SendMessageRequest(content: content, clientMessageId: clientMessageId, replyTo: replyTo)
        )
    }
}

extension TestResponse {
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ChatJSON.decoder().decode(T.self, from: Data(buffer: self.body))
    }

    /// The `error.code` of a JSON error body.
    public var errorCode: ErrorCode? {
        (try? self.decode(ErrorBody.self))?.error.code
    }
}

extension TestClientProtocol {
    /// A student, an expert and their direct conversation.
    public func pair(_ studentName: String, _ expertName: String) async throws -> (student: Account, expert: Account, conversation: Conversation) {
        let student = try await self.register(studentName)
        let expert = try await self.register(expertName, role: .expert)
        return (student, expert, try await self.open(student, with: [expert]))
    }
}

/// A local port with nothing listening on it.
public func unusedPort() async throws -> Int {
    let app = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestEnvironment.logger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw SetupError("the server has no port") }
        return port
    }
}

/// Returns once Redis reports a subscriber on each of `channels` (asking `subscriber`, if
/// given, to subscribe first).
public func subscribed(_ subscriber: RedisSubscriber?, to channels: [String], checkingWith redis: RedisClient) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        try await subscriber?.subscribe(channels)
        let counts = try await redis.send(RedisCommand("PUBSUB", ["NUMSUB"] + channels.map(RedisArgument.string))).array ?? []
        // At least one: `users` is every gateway's (and every concurrent test's).
        if stride(from: 1, to: counts.count, by: 2).allSatisfy({ (counts[$0].int ?? 0) >= 1 }) { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw SetupError("the subscriptions never reached Redis")
}
