import ChatModels
import Testing

/// What any user-controlled text must meet besides its length: bytes, marks per character,
/// and no direction overrides where a name is shown.
@Suite struct TextRulesTests {
    /// Pointed Hebrew, Vietnamese, a Devanagari conjunct, a Tibetan stack, a keycap, a
    /// family emoji, and eight marks on one letter: each within the bound.
    @Test(arguments: [
        "בְּרֵאשִׁ֖ית", "Nguyễn Thị Minh Khai", "क्षत्रिय", "བསྒྲུབས", "1\u{FE0F}\u{20E3}", "👨‍👩‍👧‍👦", "a" + String(repeating: "\u{301}", count: 8), "plain",
    ])
    func honestTextDoesNotPileUpMarks(_ text: String) throws {
        #expect(!TextRules.pilesUpMarks(text))
        try TextRules.bounded(text, field: "name", characters: 100)
    }

    @Test(arguments: [9, 100, 5_000])
    func moreMarksOnOneCharacterPileUp(_ marks: Int) {
        let text = "ok " + "a" + String(repeating: "\u{301}", count: marks) + " ok"
        #expect(TextRules.pilesUpMarks(text))
        #expect(throws: APIError.self) { try TextRules.bounded(text, field: "name", characters: 100) }
    }

    @Test func marksSplitByALetterStartAgain() {
        let text = String(repeating: "a" + String(repeating: "\u{301}", count: 8), count: 50)
        #expect(!TextRules.pilesUpMarks(text))
    }

    /// 100 characters of 8 marks each are 1,700 bytes: past the name's 800.
    @Test func bytesAreBoundedAsWellAsCharacters() throws {
        let heavy = String(repeating: "a" + String(repeating: "\u{301}", count: 8), count: 100)
        #expect(heavy.count == 100)
        #expect(throws: APIError.self) { try TextRules.bounded(heavy, field: "name", characters: 100) }
        try TextRules.bounded(String(repeating: "語", count: 100), field: "name", characters: 100)  // 300 bytes
        #expect(throws: APIError.self) { try TextRules.bounded(String(repeating: "x", count: 101), field: "name", characters: 100) }
    }

    @Test(arguments: Array(0x202A...0x202E) + Array(0x2066...0x2069))
    func overridesAndIsolatesAreBidiControls(_ value: UInt32) {
        #expect(TextRules.holdsBidiControls("Ada \(Character(Unicode.Scalar(value)!))gnp.exe"))
    }

    /// The marks set one position's direction and right-to-left names use them.
    @Test(arguments: ["\u{200E}", "\u{200F}", "\u{061C}", "ليلى", "plain"])
    func directionMarksAreNot(_ text: String) {
        #expect(!TextRules.holdsBidiControls(text))
    }

    @Test func aSearchQueryIsBoundedLikeAnyText() throws {
        #expect(try SearchRules.query(" recursion ") == " recursion ")
        for bad in [
            nil, "", "   ", String(repeating: "x", count: 201), "a\0b", String(repeating: "😀", count: 40) + String(repeating: "\u{301}", count: 8000),
        ] {
            #expect(throws: APIError.self) { try SearchRules.query(bad) }
        }
    }
}
