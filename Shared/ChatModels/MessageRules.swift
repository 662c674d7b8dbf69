/// What a message's text and idempotency key must be. The gateway checks them before a
/// message is queued (nothing malformed takes space in Redis) and messages again before
/// storing it (a REST send, or a queue written by something else).
public enum MessageRules {
    /// `MAX_MESSAGE_LENGTH`'s default, in Unicode scalars.
    public static let defaultMaxContentLength = 10_000

    /// Not blank, at most `maxLength` Unicode scalars (so at most 4 bytes each), no pile-up
    /// of marks (`TextRules`), no NUL (Postgres text cannot hold it).
    public static func content(_ value: String, maxLength: Int) throws(APIError) -> String {
        guard !value.isBlank else { throw .validation("'content' must not be empty") }
        guard value.unicodeScalars.count <= maxLength else { throw .validation("'content' must be at most \(maxLength) characters") }
        guard !value.utf8.contains(0) else { throw .validation("'content' must not contain NUL") }
        guard !TextRules.pilesUpMarks(value) else {
            throw .validation("'content' must not pile more than \(TextRules.maxMarksPerCharacter) marks on a character")
        }
        return value
    }

    /// A client's idempotency key: 1 to 100 printable ASCII characters.
    public static func clientMessageID(_ value: String?) throws(APIError) -> String? {
        guard let value else { return nil }
        guard (1...100).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .validation("'clientMessageId' must be 1 to 100 printable ASCII characters")
        }
        return value
    }

    /// The most UTF-8 bytes of one reaction: the longest emoji (a family or a flag with its
    /// modifiers) is about 35.
    public static let maxEmojiBytes = 64

    /// One emoji: a single grapheme that is drawn as an emoji (not a letter, a digit or a
    /// symbol that only has an emoji form), within `maxEmojiBytes`.
    public static func emoji(_ value: String) throws(APIError) -> String {
        let scalars = value.unicodeScalars
        guard value.count == 1, value.utf8.count <= Self.maxEmojiBytes,
            scalars.contains(where: { $0.properties.isEmojiPresentation })
                || (scalars.contains(where: { $0.properties.isEmoji && $0.value > 0x7F }) && scalars.contains("\u{FE0F}"))
        else {
            throw .validation("'emoji' must be one emoji")
        }
        return value
    }
}
