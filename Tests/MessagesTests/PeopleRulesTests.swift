import ChatModels
import Foundation
import JSONKit
import NIOCore
import ServiceKit
import Testing

@testable import MessagesApp

/// The directory's query and cursor, and profile changes, without a database.
@Suite struct PeopleRulesTests {
    @Test(arguments: ["ana", "", "zoë | bar", "名前", String(repeating: "x", count: 300)])
    func aCursorComesBackAsItWasGiven(name: String) throws {
        let cursor = DirectoryCursor(online: name.count.isMultiple(of: 2), foldedName: name, id: UUID())
        #expect(DirectoryCursor(text: cursor.text) == cursor)
        #expect(!cursor.text.contains(where: { "+/=".contains($0) }))  // as it is in a query
    }

    @Test(arguments: ["", "not-a-cursor", "MXxub3QtYS11dWlkfGFuYQ", "Mnx4fHk", String(repeating: "QUFB", count: 200)])
    func anythingElseIsNoCursor(text: String) {
        #expect(DirectoryCursor(text: text) == nil)
    }

    @Test func aSearchIsItsFirstFourWordsAndUsesTrigramsFromThreeLetters() {
        #expect(DirectoryQuery.terms("  María   Ortíz calc  extra more ") == ["María", "Ortíz", "calc", "extra"])
        #expect(DirectoryQuery.terms(nil).isEmpty)
        #expect(!DirectoryQuery(terms: ["zo", "a"], onlineOnly: false, limit: 30).narrowsByTrigram)
        #expect(DirectoryQuery(terms: ["zo", "ber"], onlineOnly: false, limit: 30).narrowsByTrigram)
    }

    @Test func aProfileChangeTellsAbsentFromNull() throws {
        let absent = try Self.change(#"{"name": "Ada"}"#)
        #expect(absent.name == "Ada" && absent.headline == .unchanged && absent.bio == .unchanged && absent.subjects == nil)
        let cleared = try Self.change(#"{"headline": null, "bio": ""}"#)
        #expect(cleared.headline == .set(nil) && cleared.bio == .set(""))
        // And writes them back the same way.
        let written = try ChatJSON.buffer(cleared)
        #expect(try Self.change(String(decoding: written.readableBytesView, as: UTF8.self)) == cleared)
    }

    static func change(_ json: String) throws -> ProfileChange {
        try ChatJSON.decoder().decode(ProfileChange.self, from: Data(json.utf8))
    }

    @Test func aProfileIsBoundedTrimmedAndSubjectsAreForExperts() throws {
        let valid = try Validate.profile(
            ProfileChange(name: " Ada ", headline: .set("  "), subjects: ["Maths", " maths", "Logic"], bio: .set("one\ntwo")),
            role: .expert
        )
        #expect(
            valid == ValidProfileChange(name: "Ada", setsHeadline: true, headline: nil, subjects: ["Maths", "Logic"], setsBio: true, bio: "one\ntwo")
        )
        #expect(throws: APIError.self) { try Validate.profile(ProfileChange(subjects: ["Maths"]), role: .student) }
        #expect(throws: APIError.self) { try Validate.profile(ProfileChange(headline: .set("one\ntwo")), role: .student) }
        #expect(throws: APIError.self) { try Validate.profile(ProfileChange(bio: .set(String(repeating: "x", count: 1001))), role: .student) }
        #expect(throws: APIError.self) { try Validate.profile(ProfileChange(subjects: Array(repeating: "x", count: 13)), role: .expert) }
        #expect(try Validate.profile(ProfileChange(), role: .student) == ValidProfileChange())
    }
}

/// A search's text as Postgres's query parser gets it.
@Suite struct SearchQueryTests {
    /// A dash negates a word or a quote right after it; any other is a space (33 in a row
    /// overflowed the parser).
    @Test(arguments: [
        ("-cat", "-cat"), ("--cat", " -cat"), ("- cat", "  cat"), ("-\"a b\"", "-\"a b\""), ("e-mail", "e-mail"),
        ("-é", "-é"), ("-1", "-1"), ("-!", " !"), ("cat-", "cat "), (String(repeating: "-", count: 33), String(repeating: " ", count: 33)),
    ])
    func onlyADashBeforeSomethingNegates(_ text: String, _ expected: String) {
        #expect(Self.query(text).fullText == expected)
    }

    private static func query(_ text: String) -> SearchQuery {
        SearchQuery(text: text, reader: UUID(), limit: 20)
    }
}
