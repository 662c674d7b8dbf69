import Foundation
import JSONKit

/// A route of a service's HTTP API, declared once for both sides: the service registers
/// `pattern` under its `group`, and a caller requests `path(…)`.
public struct ServiceRoute: Sendable, Hashable {
    /// Where the service mounts the group the route is registered in (`api/chat`).
    public let group: String
    /// The route within its group, with `{id}` where an identifier goes.
    public let pattern: String
    /// The whole path's segments, split once: the gateway matches every request against them.
    private let segments: [Substring]

    public init(group: String, pattern: String) {
        self.group = group
        self.pattern = pattern
        self.segments = group.split(separator: "/") + pattern.split(separator: "/")
    }

    /// Whether a request path's segments are this route's, a `{placeholder}` standing for any one.
    public func matches(_ segments: [Substring]) -> Bool {
        self.segments.count == segments.count && zip(self.segments, segments).allSatisfy { ($0.hasPrefix("{") && $0.hasSuffix("}")) || $0 == $1 }
    }

    /// The path to request: `/group/pattern` with `id` in place of `{id}`, and the query.
    public func path(_ id: UUID? = nil, query: [(name: String, value: String)] = []) -> String {
        var path = "/" + self.group + "/" + self.pattern
        if let id { path = path.replacingOccurrences(of: "{id}", with: id.text()) }
        guard !query.isEmpty else { return path }
        let pairs = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters) ?? "")"
        }
        return path + "?" + pairs.joined(separator: "&")
    }

    private static let queryValueCharacters = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?"))
}
