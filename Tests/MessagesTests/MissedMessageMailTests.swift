import Foundation
import Testing

@testable import MessagesApp

@Suite struct MissedMessageMailTests {
    @Test func anUnsubscribeTokenNamesItsUserAndCannotBeMadeForAnother() throws {
        let tokens = UnsubscribeToken(secret: "a-secret-of-this-deployment-0123456789")
        let user = UUID()
        let token = tokens.token(for: user)
        #expect(tokens.user(of: token) == user)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        // Another deployment's, altered, cut, or made up: nobody's.
        #expect(UnsubscribeToken(secret: "another-deployment-secret-0123456789").user(of: token) == nil)
        var altered = Array(token)
        altered[3] = altered[3] == "A" ? "B" : "A"
        #expect(tokens.user(of: String(altered)) == nil)
        for bad in ["", String(token.dropLast(4)), String(repeating: "A", count: 43), String(repeating: "A", count: 500), "***"] {
            #expect(tokens.user(of: bad) == nil, "\(bad.prefix(10))")
        }
    }

    @Test func aMessageIsOneLineOfAMail() {
        #expect(MissedMessageMailer.line(type: "TEXT", content: "two\nlines") == "two lines")
        #expect(MissedMessageMailer.line(type: "IMAGE", content: "") == "sent a picture")
        #expect(MissedMessageMailer.line(type: "FILE", content: "notes") == "sent a file: notes")
        #expect(MissedMessageMailer.line(type: "CALL", content: "") == "called (missed)")
        let long = MissedMessageMailer.line(type: "TEXT", content: String(repeating: "é", count: 500))
        #expect(long.count == 200 && long.hasSuffix("…"))
    }
}
