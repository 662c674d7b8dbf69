/// What this deployment allows of messages (`GET /api/chat/policy`), so that a client
/// offers only what the server would accept: no "Edit" once the window has passed, no
/// more characters than a message may hold.
public struct MessagePolicy: Codable, Sendable, Hashable {
    /// Characters in one message.
    public var maxMessageLength: Int
    /// How long after sending its sender may edit a message; absent: always.
    public var editWindowSeconds: Int?
    /// Distinct emoji one message may carry.
    public var maxReactionsPerMessage: Int

    public init(maxMessageLength: Int, editWindowSeconds: Int?, maxReactionsPerMessage: Int) {
        self.maxMessageLength = maxMessageLength
        self.editWindowSeconds = editWindowSeconds
        self.maxReactionsPerMessage = maxReactionsPerMessage
    }
}
