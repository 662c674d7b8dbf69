import Auth
import Foundation
import Hummingbird
import Logging
import ServiceClients
import ServiceConfiguration
import ServiceKit
import Testing

@Suite struct ConfigurationTests {
    let secret = String(repeating: "s", count: 32)

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let values = ConfigurationValues(["JWT_SECRET": secret, "HTTP_HOST": ""])  // empty is unset
        let http = try HTTPSettings(values, defaultPort: 8081)
        #expect(http.host == "127.0.0.1" && http.port == 8081 && http.backlog == 4096)
        #expect(http.application(serverName: "messages").backlog == 4096)
        #expect(try values.read(.logLevel) == .info)
        #expect(try AuthSettings(values).tokenLifetime == .seconds(900))
        // The memberwise defaults are the declared ones.
        #expect(HTTPSettings(port: 1).idleTimeout == HTTPSettings.idleTimeout.defaultValue)
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
        #expect(throws: ConfigurationError.invalid("LOG_LEVEL", "one of trace, debug, info, notice, warning, error, critical")) {
            try ConfigurationValues(["LOG_LEVEL": "loud"]).read(.logLevel)
        }
        #expect(throws: ConfigurationError.invalid("TOKEN_TTL", "a positive number of seconds")) {
            try AuthSettings(ConfigurationValues(["JWT_SECRET": secret, "TOKEN_TTL": "-5"]))
        }
    }

    @Test func eachKindOfSettingReadsWhatItAccepts() throws {
        let window = Setting<Duration?>.seconds("WINDOW", default: .seconds(60), zero: "off", help: "h")
        #expect(try ConfigurationValues(["WINDOW": "0"]).read(window) == nil)
        #expect(try ConfigurationValues(["WINDOW": "1.5"]).read(window) == .milliseconds(1500))
        #expect(try ConfigurationValues([:]).read(window) == .seconds(60))
        #expect(throws: ConfigurationError.self) { try ConfigurationValues(["WINDOW": "-1"]).read(window) }
        let delay = Setting<Duration?>.seconds("DELAY", default: nil, zero: "off", atMost: .milliseconds(100), help: "h")
        #expect(try ConfigurationValues(["DELAY": "0.005"]).read(delay) == .milliseconds(5))
        #expect(try ConfigurationValues(["DELAY": "0.1"]).read(delay) == .milliseconds(100))
        #expect(throws: ConfigurationError.invalid("DELAY", "a number of seconds in 0...0.1, 0 for off")) {
            try ConfigurationValues(["DELAY": "0.5"]).read(delay)
        }
        let list = Setting.list("ITEMS", default: ["a"], accepts: "items", help: "h")
        #expect(try ConfigurationValues(["ITEMS": " x, ,y "]).read(list) == ["x", "y"])
        let choice = Setting.choice("MODE", default: "open", ["open": true, "closed": false], help: "h")
        #expect(try ConfigurationValues(["MODE": "Closed"]).read(choice) == false)
        #expect(choice.description.accepts == "one of open, closed" && choice.description.defaultText == "`open`")
    }

    @Test func theJWTSecretIsRequiredAndLongEnough() {
        #expect(throws: ConfigurationError.missing("JWT_SECRET")) { try AuthSettings(ConfigurationValues([:])) }
        #expect(throws: ConfigurationError.invalid("JWT_SECRET", "at least 32 bytes")) {
            try AuthSettings(ConfigurationValues(["JWT_SECRET": "short"]))
        }
        #expect((try? AuthSettings(ConfigurationValues(["JWT_SECRET": secret, "TOKEN_TTL": "1.5"])))?.tokenLifetime == .milliseconds(1500))
    }

    @Test func serviceEndpointsAreHTTPURLsWithATimeout() throws {
        let values = ConfigurationValues(["MESSAGES_URL": "http://messages:9000", "MESSAGES_TIMEOUT": "2.5"])
        let endpoint = try ServiceEndpoint(values, service: "messages", url: "http://127.0.0.1:8081", timeout: .seconds(3))
        #expect(endpoint.url.absoluteString == "http://messages:9000" && endpoint.timeout == .milliseconds(2500))
        let defaults = try ServiceEndpoint(ConfigurationValues([:]), service: "presence", url: "http://127.0.0.1:8082", timeout: .seconds(1))
        #expect(defaults.url.absoluteString == "http://127.0.0.1:8082" && defaults.timeout == .seconds(1))
        #expect(throws: ConfigurationError.invalid("PRESENCE_URL", "an http://host:port URL")) {
            try ServiceEndpoint(ConfigurationValues(["PRESENCE_URL": "presence:8082"]), service: "presence", url: "http://x", timeout: .seconds(1))
        }
    }

    /// A service's settings are what its configuration reads: listed in reading order, each
    /// once, with nothing taken from the environment (a required one missing is no error).
    @Test func listingASettingsReadsGivesEveryOneOnce() throws {
        let settings = try ConfigurationValues.settings { values in
            _ = try HTTPSettings(values, defaultPort: 8083)
            _ = try AuthSettings(values)
            _ = try HTTPSettings(values, defaultPort: 8083)
        }
        #expect(
            settings.map(\.name) == ["HTTP_HOST", "HTTP_PORT", "HTTP_BACKLOG", "HTTP_HEADER_TIMEOUT", "HTTP_IDLE_TIMEOUT", "JWT_SECRET", "TOKEN_TTL"]
        )
        #expect(settings[1].defaultText == "8083" && settings[3].defaultText == "10 s")
        #expect(settings[5].required && settings[5].defaultText == "none (required)")
        #expect(settings.allSatisfy { !$0.help.isEmpty && !$0.accepts.isEmpty })
    }

    @Test func errorsSayWhatToFix() {
        #expect(ConfigurationError.missing("JWT_SECRET").description == "JWT_SECRET must be set")
    }
}
