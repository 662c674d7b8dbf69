import Foundation
import Logging

/// The environment a service reads its configuration from, with typed accessors that
/// refuse a malformed value instead of silently using the default.
public struct ConfigurationValues: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The process's environment.
    public static func process() -> ConfigurationValues {
        ConfigurationValues(ProcessInfo.processInfo.environment)
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        self.values[name].flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
    }

    public func requiredString(_ name: String) throws(ConfigurationError) -> String {
        guard let value = self.values[name], !value.isEmpty else { throw .missing(name) }
        return value
    }

    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int {
        guard let text = self.values[name], !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid(name, "a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A duration given in seconds, fractions allowed (`UPSTREAM_TIMEOUT=2.5`).
    public func seconds(_ name: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        guard let text = self.values[name], !text.isEmpty else { return defaultValue }
        guard let value = Double(text), value > 0, value.isFinite else { throw .invalid(name, "a positive number of seconds") }
        return .milliseconds(Int64(value * 1000))
    }

    /// An `http://host[:port]` URL, such as where another service listens.
    public func httpURL(_ name: String, default defaultValue: String) throws(ConfigurationError) -> URL {
        guard let url = URL(string: self.string(name, default: defaultValue)), url.scheme == "http", url.host != nil else {
            throw .invalid(name, "an http://host:port URL")
        }
        return url
    }

    public func logLevel(_ name: String = "LOG_LEVEL", default defaultValue: Logger.Level = .info) throws(ConfigurationError) -> Logger.Level {
        guard let text = self.values[name], !text.isEmpty else { return defaultValue }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw .invalid(name, "one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }
}

/// A configuration value that is missing or malformed; says which and what was expected.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) must be set"
        case .invalid(let name, let expected): "\(name) must be \(expected)"
        }
    }
}

extension ConfigurationValues {
    /// A comma-separated list (`CORS_ORIGINS`, `TRUSTED_PROXIES`), items trimmed, empty ones dropped.
    public func list(_ name: String, default defaultValue: String) -> [String] {
        self.string(name, default: defaultValue).commaSeparatedItems
    }
}

extension StringProtocol {
    /// The items of a comma-separated list (a setting, a header, a query parameter), trimmed,
    /// empty ones dropped.
    public var commaSeparatedItems: [String] {
        self.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
