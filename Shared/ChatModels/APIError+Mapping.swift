import Foundation

/// An error of a dependency that may pass (Redis reconnecting, a pool exhausted): a
/// client is answered `unavailable` and may try again. Conformed to where both the error
/// and this protocol are known, so no lower layer depends on the error model.
public protocol TransientError: Error {
    /// Whether this error is one that may pass.
    var isTransient: Bool { get }
}

extension APIError {
    /// The client's view of any error: an `APIError` as it is, a body that did not decode
    /// as a 400 naming the field, a transient fault as a retryable 503, anything else as an
    /// `internal` that says nothing about what went wrong.
    public init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as DecodingError:
            self = .badRequest(error.clientDescription)
        case let error as any TransientError where error.isTransient:
            self = .unavailable("A dependency is unavailable, try again")
        default:
            self = .internal
        }
    }
}

extension DecodingError {
    /// Which field was wrong and how, without echoing the input.
    public var clientDescription: String {
        func path(_ context: Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the body" : "'\(path)'"
        }
        switch self {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "Missing field '\(key.stringValue)'" + (parent == "the body" ? "" : " in \(parent)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "Wrong type for \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "The body is not valid JSON" : "Invalid value for \(path(context))"
        @unknown default:
            return "The body could not be read"
        }
    }
}
