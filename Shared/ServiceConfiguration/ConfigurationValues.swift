import Foundation
import Logging

/// The environment a service reads its configuration from, one declared `Setting` at a
/// time: a malformed value is refused, never silently replaced by the default.
public struct ConfigurationValues: Sendable {
    public var values: [String: String]
    /// Set when the settings are being listed rather than read.
    private let listing: SettingsListing?

    public init(_ values: [String: String]) {
        self.values = values
        self.listing = nil
    }

    private init(listing: SettingsListing) {
        self.values = [:]
        self.listing = listing
    }

    /// The process's environment.
    public static func process() -> ConfigurationValues {
        ConfigurationValues(ProcessInfo.processInfo.environment)
    }

    /// The setting's value: its default when unset or empty.
    public func read<Value>(_ setting: Setting<Value>) throws(ConfigurationError) -> Value {
        if let listing = self.listing {
            listing.add(setting.description)
            return setting.defaultValue
        }
        guard let text = self.values[setting.name], !text.isEmpty else {
            if setting.required { throw .missing(setting.name) }
            return setting.defaultValue
        }
        guard let value = setting.parse(text) else { throw .invalid(setting.name, setting.accepts) }
        return value
    }

    /// Every setting `configure` reads, in the order it reads them, each once: a service's
    /// settings are what its configuration reads, so the list cannot miss one.
    public static func settings(readBy configure: (ConfigurationValues) throws -> Void) rethrows -> [SettingDescription] {
        let listing = SettingsListing()
        try configure(ConfigurationValues(listing: listing))
        return listing.settings
    }
}

/// The settings read so far, when they are being listed.
private final class SettingsListing: @unchecked Sendable {
    // Filled by one configuration's reads, on one thread, before it is read back.
    private(set) var settings: [SettingDescription] = []

    func add(_ setting: SettingDescription) {
        if !self.settings.contains(where: { $0.name == setting.name }) { self.settings.append(setting) }
    }
}

extension Setting where Value == Logger.Level {
    /// `LOG_LEVEL`, which every service reads.
    public static let logLevel = Setting.choice(
        "LOG_LEVEL",
        default: "info",
        [
            "trace": .trace, "debug": .debug, "info": .info, "notice": .notice, "warning": .warning, "error": .error,
            "critical": .critical,
        ],
        help: "how much the service logs"
    )
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

extension StringProtocol {
    /// The items of a comma-separated list (a setting, a header, a query parameter), trimmed,
    /// empty ones dropped.
    public var commaSeparatedItems: [String] {
        self.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
