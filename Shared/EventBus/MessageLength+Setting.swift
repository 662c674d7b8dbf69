import ChatModels
import ServiceConfiguration

extension Setting where Value == Int {
    /// `MAX_MESSAGE_LENGTH`: read alike by the messages service, which stores messages, and by
    /// the gateway, which refuses a longer send before it goes down the command stream.
    public static let maxMessageLength = Setting.int(
        "MAX_MESSAGE_LENGTH",
        default: MessageRules.defaultMaxContentLength,
        in: 1...1_000_000,
        help: "the most characters (Unicode scalars) in one message"
    )
}
