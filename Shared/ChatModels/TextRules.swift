/// What every user-controlled text must meet besides its own length in characters. A
/// character can carry any number of combining marks, so a 100-character name once held
/// 195 KB: texts are bounded in bytes too, and in marks per character. Names and titles
/// may not hold the bidirectional controls that make a text show as something else.
public enum TextRules {
    /// Combining marks one character may carry. Hebrew with points and cantillation needs 4,
    /// a Tibetan stack 3; "Zalgo" text piles up hundreds.
    public static let maxMarksPerCharacter = 8

    /// The byte bound of a text of `characters` characters: room for 8 bytes each (a letter
    /// of any script with a few marks), which no honest text of that length exceeds.
    public static func maxBytes(characters: Int) -> Int { characters * 8 }

    /// Whether some character of `text` carries more than `maxMarksPerCharacter` marks:
    /// a run of that many marks in a row. Marks start at U+0300, so most text is decided
    /// without looking a property up.
    public static func pilesUpMarks(_ text: some StringProtocol) -> Bool {
        var run = 0
        for scalar in text.unicodeScalars {
            guard scalar.value >= 0x300 else {
                run = 0
                continue
            }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                run += 1
                if run > Self.maxMarksPerCharacter { return true }
            default:
                run = 0
            }
        }
        return false
    }

    /// The embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
    /// what follows them. The marks (U+200E, U+200F, U+061C) only set one position's
    /// direction and stay allowed: right-to-left names use them.
    public static func holdsBidiControls(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.contains { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }
    }

    /// `text` within `characters` characters (grapheme clusters) and `maxBytes(characters:)`
    /// bytes, with no pile-up of marks; a 422 naming `field` otherwise.
    public static func bounded(_ text: String, field: String, characters: Int) throws(APIError) {
        guard text.utf8.count <= Self.maxBytes(characters: characters), text.count <= characters else {
            throw .validation("'\(field)' must be at most \(characters) characters and \(Self.maxBytes(characters: characters)) bytes", field: field)
        }
        guard !Self.pilesUpMarks(text) else {
            throw .validation("'\(field)' must not pile more than \(Self.maxMarksPerCharacter) marks on a character", field: field)
        }
    }
}
