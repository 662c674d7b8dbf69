/// The one error shape every surface uses: `{"error": {"code", "message"}}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        /// Stable and machine-readable (`not_found`, `validation_failed`, …).
        public var code: String
        /// For people; never carries internals.
        public var message: String
        /// Whether the same request may succeed later.
        public var retryable: Bool?

        public init(code: String, message: String, retryable: Bool? = nil) {
            self.code = code
            self.message = message
            self.retryable = retryable
        }
    }

    public var error: Detail

    public init(code: String, message: String, retryable: Bool? = nil) {
        self.error = Detail(code: code, message: message, retryable: retryable)
    }
}
