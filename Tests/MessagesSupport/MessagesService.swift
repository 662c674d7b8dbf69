import Auth
import ChatTestSupport
import EventBus
import Hummingbird
import HummingbirdTesting
import Logging
import MessagesApp
import Redis
import ServiceKit

// The messages service the other services' tests set up against; a test target that needs
// no messages service does not compile one.

extension TestEnvironment {
    public static func messages() throws -> MessagesConfiguration {
        let values = try self.values()
        return MessagesConfiguration(
            http: HTTPSettings(port: 0),
            database: try DatabaseSettings(values),
            redis: try RedisConfiguration(values),
            auth: self.auth,
            bcryptCost: 4,
            // Tests sign hundreds of accounts up from one address; AuthThrottleTests set their own.
            authThrottle: AuthThrottleSettings(attemptsPerAddressPerMinute: 1_000_000),
            logLevel: .critical
        )
    }
}

/// The messages service under test: in-process (`.router`) or listening on a port (`.live`).
public func withMessages<Value: Sendable>(
    _ setup: TestingSetup,
    configuration: MessagesConfiguration? = nil,
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = try await MessagesApp.buildApplication(configuration: try configuration ?? TestEnvironment.messages(), logger: TestEnvironment.logger)
    return try await app.test(setup, test)
}
