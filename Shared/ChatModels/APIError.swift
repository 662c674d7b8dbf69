import HTTPTypes

/// An error a client may see: a stable code (which fixes the HTTP status and whether to try
/// again) and a message safe to show. REST answers it as `{"error": {"code", "message"}}`;
/// the socket surfaces reuse code and message.
public struct APIError: Error, Sendable, Hashable {
    public var code: ErrorCode
    public var message: String
    /// For a failed send: the `clientMessageId` to resend with, so that a retry is stored once
    /// even when the client gave none and the server made one up.
    public var clientMessageId: String?
    /// Seconds to wait before trying again (a rate limit's window), for `Retry-After`.
    public var retryAfter: Int?
    /// The request's field that is wrong, when one is: a form marks it.
    public var field: String?

    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var status: HTTPResponse.Status { self.code.status }
    /// Whether the same request may succeed later (the dependency was down, not the request wrong).
    public var retryable: Bool { self.code.isRetryable }

    public var body: ErrorBody {
        ErrorBody(
            code: self.code,
            message: self.message,
            retryable: self.retryable ? true : nil,
            clientMessageId: self.clientMessageId,
            field: self.field
        )
    }

    /// This error of a send, naming the `clientMessageId` a retry must carry.
    public func resend(as clientMessageId: String) -> APIError {
        var error = self
        error.clientMessageId = clientMessageId
        return error
    }
}

extension APIError {
    public static let missingToken = APIError(.unauthorized, "A bearer token is required")
    public static let invalidToken = APIError(.invalidToken, "The token is malformed, forged, expired or revoked")
    public static let invalidCredentials = APIError(.invalidCredentials, "Email or password is wrong")
    public static let payloadTooLarge = APIError(.payloadTooLarge, "The request body is too large")
    public static let `internal` = APIError(.internal, "Something went wrong on our side")

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, message)
    }

    public static func validation(_ message: String, field: String? = nil) -> APIError {
        APIError(.validationFailed, message, field: field)
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, message)
    }

    public static func unavailable(_ message: String) -> APIError {
        APIError(.unavailable, message)
    }

    /// 429: too many requests; try again in `retryAfter` seconds.
    public static func rateLimited(_ message: String, retryAfter: Int) -> APIError {
        var error = APIError(.rateLimited, message)
        error.retryAfter = retryAfter
        return error
    }
}
