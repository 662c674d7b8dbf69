import Foundation

/// One environment variable a service reads, declared once: its name, its default, what it
/// accepts and a line of help. The same declaration reads the value (refusing a malformed
/// one with a message naming the variable) and documents it: `<service> settings` lists
/// what a service reads, and the README's table is made from those lists.
public struct Setting<Value: Sendable>: Sendable {
    public let name: String
    public let defaultValue: Value
    /// The default as people read it: "10 s", "8081", "none".
    public let defaultText: String
    /// What a value must be, as a refusal says it: "a whole number in 1...500".
    public let accepts: String
    /// One line: what it does.
    public let help: String
    /// No default serves: the variable must be set (`defaultValue` stands in only where
    /// settings are listed, not read).
    public let required: Bool
    let parse: @Sendable (String) -> Value?

    public init(
        _ name: String,
        default defaultValue: Value,
        defaultText: String,
        accepts: String,
        required: Bool = false,
        help: String,
        parse: @escaping @Sendable (String) -> Value?
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.accepts = accepts
        self.required = required
        self.help = help
        self.parse = parse
    }

    /// What the documentation shows of it.
    public var description: SettingDescription {
        SettingDescription(name: self.name, defaultText: self.defaultText, accepts: self.accepts, help: self.help, required: self.required)
    }
}

/// A setting as documented: everything but how it is parsed.
public struct SettingDescription: Sendable, Hashable, Codable {
    public var name: String
    public var defaultText: String
    public var accepts: String
    public var help: String
    public var required: Bool
}

extension Setting where Value == Int {
    public static func int(_ name: String, default value: Int, in range: ClosedRange<Int>, help: String) -> Setting {
        Setting(name, default: value, defaultText: String(value), accepts: "a whole number in \(range.lowerBound)...\(range.upperBound)", help: help)
        {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }
}

extension Setting where Value == Duration {
    /// A duration given in seconds, fractions allowed (`UPSTREAM_TIMEOUT=2.5`).
    public static func seconds(_ name: String, default value: Duration, help: String) -> Setting {
        Setting(name, default: value, defaultText: value.secondsText, accepts: "a positive number of seconds", help: help) { text in
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else { return nil }
            return .milliseconds(Int64(seconds * 1000))
        }
    }
}

extension Setting where Value == Duration? {
    /// Seconds, where 0 turns the thing off (nil); past `atMost`, refused.
    public static func seconds(
        _ name: String,
        default value: Duration?,
        zero: String,
        atMost limit: Duration? = nil,
        help: String
    ) -> Setting {
        Setting(
            name,
            default: value,
            defaultText: value?.secondsText ?? "0 (\(zero))",
            accepts: limit.map { "a number of seconds in 0...\($0.seconds), 0 for \(zero)" } ?? "a number of seconds, 0 for \(zero)",
            help: help
        ) { text in
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite, seconds <= limit?.seconds ?? .infinity else { return nil }
            return seconds == 0 ? .some(nil) : .milliseconds(Int64(seconds * 1000))
        }
    }
}

extension Setting where Value == String {
    public static func string(_ name: String, default value: String, defaultText: String? = nil, help: String) -> Setting {
        Setting(name, default: value, defaultText: defaultText ?? "`\(value)`", accepts: "text", help: help) { $0 }
    }

    /// A secret with no default, at least `minBytes` long.
    public static func secret(_ name: String, minBytes: Int, help: String) -> Setting {
        Setting(
            name,
            default: String(repeating: "x", count: minBytes),
            defaultText: "none (required)",
            accepts: "at least \(minBytes) bytes",
            required: true,
            help: help
        ) {
            $0.utf8.count >= minBytes ? $0 : nil
        }
    }
}

extension Setting where Value == String? {
    /// A secret some feature needs, unset when the feature is off; at least `minBytes` long when set.
    public static func optionalSecret(_ name: String, minBytes: Int, help: String) -> Setting {
        Setting(name, default: nil, defaultText: "none", accepts: "at least \(minBytes) bytes", help: help) { text -> String?? in
            text.utf8.count >= minBytes ? .some(text) : .none
        }
    }
}

extension Setting where Value == URL {
    /// An `http://host[:port]` URL, such as where another service listens.
    public static func httpURL(_ name: String, default value: String, help: String) -> Setting {
        Setting(name, default: URL(string: value)!, defaultText: "`\(value)`", accepts: "an http://host:port URL", help: help) { text in
            guard let url = URL(string: text), url.scheme == "http", url.host != nil else { return nil }
            return url
        }
    }
}

extension Setting where Value == [String] {
    /// A comma-separated list, items trimmed, empty ones dropped.
    public static func list(_ name: String, default value: [String], accepts: String, help: String) -> Setting {
        Setting(name, default: value, defaultText: value.isEmpty ? "none" : "`\(value.joined(separator: ","))`", accepts: accepts, help: help) {
            $0.commaSeparatedItems
        }
    }
}

extension Setting {
    /// One of a few words, each standing for a value.
    public static func choice(_ name: String, default word: String, _ choices: KeyValuePairs<String, Value>, help: String) -> Setting {
        let table = Dictionary(choices.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        return Setting(
            name,
            default: table[word]!,
            defaultText: "`\(word)`",
            accepts: "one of " + choices.map(\.key).joined(separator: ", "),
            help: help
        ) { table[$0.lowercased()] }
    }
}

extension Duration {
    /// The duration in seconds, fractions kept.
    public var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// "10 s", "0.5 s", "900 s".
    var secondsText: String {
        self.seconds == self.seconds.rounded() ? "\(Int64(self.seconds)) s" : "\(self.seconds) s"
    }
}
