import ChatModels
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
}
