import ChatModels
import Foundation
import Hummingbird

extension Request {
    /// An integer query parameter; nil when absent, 400 when not a number in `range`.
    public func queryInteger<T: FixedWidthInteger & Sendable>(_ name: String, in range: ClosedRange<T>) throws(APIError) -> T? {
        guard let text = self.uri.queryParameters[name[...]] else { return nil }
        guard let value = T(text), range.contains(value) else {
            throw .badRequest("Query parameter '\(name)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean query parameter (`true`/`false`, `1`/`0`); nil when absent, 400 otherwise.
    public func queryBool(_ name: String) throws(APIError) -> Bool? {
        guard let text = self.uri.queryParameters[name[...]] else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .badRequest("Query parameter '\(name)' must be true or false")
        }
    }

    /// A query parameter as a form sends it (`application/x-www-form-urlencoded`: `+` is a
    /// space, `%2B` a plus), which the router's own decoding does not do; nil when absent.
    public func queryText(_ name: String) -> String? {
        guard let query = self.uri.query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            let value = parts.count > 1 ? parts[1].replacingOccurrences(of: "+", with: " ") : ""
            return value.removingPercentEncoding ?? value
        }
        return nil
    }
}
