import Foundation
import Hummingbird
import Logging
import ServiceConfiguration
import ServiceKit
import Testing

@Suite struct ConfigurationTests {
    let secret = String(repeating: "s", count: 32)

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let values = ConfigurationValues(["JWT_SECRET": secret])
        let http = try HTTPSettings(values, defaultPort: 8081)
        #expect(http.host == "127.0.0.1" && http.port == 8081 && http.backlog == 4096)
        #expect(http.application(serverName: "messages").backlog == 4096)
        #expect(try values.logLevel() == .info)
        #expect(try AuthSettings(values).tokenLifetime == .seconds(24 * 3600))
    }

    @Test func malformedValuesAreRefusedWithTheirName() {
        #expect(throws: ConfigurationError.invalid("HTTP_PORT", "a whole number in 0...65535")) {
            try HTTPSettings(ConfigurationValues(["HTTP_PORT": "eighty"]), defaultPort: 1)
        }
        #expect(throws: ConfigurationError.invalid("HTTP_PORT", "a whole number in 0...65535")) {
            try HTTPSettings(ConfigurationValues(["HTTP_PORT": "70000"]), defaultPort: 1)
        }
        #expect(throws: ConfigurationError.invalid("HTTP_BACKLOG", "a whole number in 1...65535")) {
            try HTTPSettings(ConfigurationValues(["HTTP_BACKLOG": "0"]), defaultPort: 1)
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationValues(["LOG_LEVEL": "loud"]).logLevel() }
        #expect(throws: ConfigurationError.self) { try ConfigurationValues(["TOKEN_TTL": "-5"]).seconds("TOKEN_TTL", default: .seconds(1)) }
    }

    @Test func theJWTSecretIsRequiredAndLongEnough() {
        #expect(throws: ConfigurationError.missing("JWT_SECRET")) { try AuthSettings(ConfigurationValues([:])) }
        #expect(throws: ConfigurationError.self) { try AuthSettings(ConfigurationValues(["JWT_SECRET": "short"])) }
        #expect((try? AuthSettings(ConfigurationValues(["JWT_SECRET": secret, "TOKEN_TTL": "1.5"])))?.tokenLifetime == .milliseconds(1500))
    }

    @Test func serviceEndpointsAreHTTPURLsWithATimeout() throws {
        let values = ConfigurationValues(["MESSAGES_URL": "http://messages:9000", "MESSAGES_TIMEOUT": "2.5"])
        let endpoint = try ServiceEndpoint(values, prefix: "MESSAGES", url: "http://127.0.0.1:8081", timeout: .seconds(3))
        #expect(endpoint.url.absoluteString == "http://messages:9000" && endpoint.timeout == .milliseconds(2500))
        let defaults = try ServiceEndpoint(ConfigurationValues([:]), prefix: "PRESENCE", url: "http://127.0.0.1:8082", timeout: .seconds(1))
        #expect(defaults.url.absoluteString == "http://127.0.0.1:8082" && defaults.timeout == .seconds(1))
        #expect(throws: ConfigurationError.invalid("PRESENCE_URL", "an http://host:port URL")) {
            try ServiceEndpoint(ConfigurationValues(["PRESENCE_URL": "presence:8082"]), prefix: "PRESENCE", url: "http://x", timeout: .seconds(1))
        }
    }

    @Test func errorsSayWhatToFix() {
        #expect(ConfigurationError.missing("JWT_SECRET").description == "JWT_SECRET must be set")
    }
}
