/// The one error shape every surface uses: `{"error": {"code", "message"}}`, with
/// `retryable`, a failed send's `clientMessageId` and the wrong `field` when they apply.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        /// Stable and machine-readable.
        public var code: ErrorCode
        /// For people; never carries internals.
        public var message: String
        /// Whether the same request may succeed later.
        public var retryable: Bool?
        /// A failed send's `clientMessageId`: resend with it and the message is stored once.
        public var clientMessageId: String?
        /// The request's field that is wrong, when one is.
        public var field: String?

        public init(code: ErrorCode, message: String, retryable: Bool? = nil, clientMessageId: String? = nil, field: String? = nil) {
            self.code = code
            self.message = message
            self.retryable = retryable
            self.clientMessageId = clientMessageId
            self.field = field
        }

        /// The error this detail describes, as another service or the command stream sent it.
        public var error: APIError {
            var error = APIError(self.code, self.message, field: self.field)
            error.clientMessageId = self.clientMessageId
            return error
        }
    }

    public var error: Detail

    public init(code: ErrorCode, message: String, retryable: Bool? = nil, clientMessageId: String? = nil, field: String? = nil) {
        self.error = Detail(code: code, message: message, retryable: retryable, clientMessageId: clientMessageId, field: field)
    }
}
