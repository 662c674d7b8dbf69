import HTTPTypes

/// An error a client may see: an HTTP status, a stable code and a message safe to show.
/// REST answers it as `{"error": {"code", "message"}}`; the socket surfaces reuse code and message.
public struct APIError: Error, Sendable, Hashable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Whether the same request may succeed later (the dependency was down, not the request wrong).
    public var retryable: Bool
    /// For a failed send: the `clientMessageId` to resend with, so that a retry is stored once
    /// even when the client gave none and the server made one up.
    public var clientMessageId: String?
    /// Seconds to wait before trying again (a rate limit's window), for `Retry-After`.
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryable: Bool = false) {
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
    }

    public var body: ErrorBody {
        ErrorBody(code: self.code, message: self.message, retryable: self.retryable ? true : nil, clientMessageId: self.clientMessageId)
    }

    /// This error of a send, naming the `clientMessageId` a retry must carry.
    public func resend(as clientMessageId: String) -> APIError {
        var error = self
        error.clientMessageId = clientMessageId
        return error
    }
}

extension APIError {
    public static let missingToken = APIError(.unauthorized, code: "unauthorized", message: "A bearer token is required")
    public static let invalidToken = APIError(.unauthorized, code: "invalid_token", message: "The token is malformed, forged, expired or revoked")
    public static let invalidCredentials = APIError(.unauthorized, code: "invalid_credentials", message: "Email or password is wrong")
    public static let payloadTooLarge = APIError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large")
    public static let `internal` = APIError(.internalServerError, code: "internal", message: "Something went wrong on our side")

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    public static func validation(_ message: String) -> APIError {
        APIError(.unprocessableContent, code: "validation_failed", message: message)
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func conflict(_ code: String, _ message: String) -> APIError {
        APIError(.conflict, code: code, message: message)
    }

    public static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, code: "unavailable", message: message, retryable: true)
    }

    /// 429: too many requests; try again in `retryAfter` seconds.
    public static func rateLimited(_ message: String, retryAfter: Int) -> APIError {
        var error = APIError(.tooManyRequests, code: "rate_limited", message: message, retryable: true)
        error.retryAfter = retryAfter
        return error
    }
}
