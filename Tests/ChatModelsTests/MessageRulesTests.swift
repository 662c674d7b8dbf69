import ChatModels
import Testing

/// What a reaction may be: one emoji, as people type or pick them.
@Suite struct MessageRulesTests {
    @Test(arguments: ["👍", "❤️", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "😀", "🫠"])
    func emojiAreAccepted(_ emoji: String) throws {
        #expect(try MessageRules.emoji(emoji) == emoji)
    }

    /// Letters, digits, two emoji, text-style symbols, joiners alone, and more bytes than any
    /// emoji has (a grapheme can be stuffed with combining marks).
    @Test(arguments: ["", "a", "1", "ab", "👍👍", "♥", "\u{200D}", "\u{FE0F}", " ", "👍 ", "e\u{301}", "👍" + String(repeating: "\u{1F3FD}", count: 20)])
    func anythingElseIsRefused(_ value: String) {
        #expect(throws: APIError.self) { try MessageRules.emoji(value) }
    }
}
