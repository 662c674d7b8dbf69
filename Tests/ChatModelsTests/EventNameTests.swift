import ChatModels
import Foundation
import Testing

@Suite struct EventNameTests {
    static let eventsModule = "Web/js/events.js"

    /// The page's event names are the declared ones, written out by this test
    /// (`UPDATE_CONTRACTS=1 swift test --filter ChatModelsTests` rewrites the file).
    @Test func thePagesEventNamesAreTheDeclaredOnes() throws {
        let expected = Self.render()
        let current = try? Repository.read(Self.eventsModule)
        if current != expected && Repository.updating { try Repository.write(Self.eventsModule, expected) }
        #expect(
            current == expected || Repository.updating,
            "\(Self.eventsModule) differs from ClientEvent and ServerEvent; run UPDATE_CONTRACTS=1 swift test --filter ChatModelsTests"
        )
    }

    /// The socket module names events only through `events.js`: a name typed as a string
    /// there would not fail when the declaration changes.
    @Test func theSocketModuleWritesNoEventNameByHand() throws {
        let socket = try Repository.read("Web/js/socket.js")
        for name in Self.declaredNames {
            #expect(!socket.contains("\"\(name)\"") && !socket.contains("'\(name)'"), "socket.js spells out \(name)")
        }
    }

    @Test func namesAreUniqueAndSnakeCase() {
        let names = Self.declaredNames
        #expect(Set(names).count == names.count)
        for name in names { #expect(name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(name)") }
    }

    static var declaredNames: [String] { ClientEvent.all.map(\.name) + ServerEvent.allCases.map(\.rawValue) }

    static func render() -> String {
        func object(_ name: String, _ events: [String]) -> String {
            "export const \(name) = Object.freeze({\n" + events.map { "  \(camelCase($0)): \"\($0)\",\n" }.joined() + "});\n"
        }
        return """
            // The Socket.IO events, as the server declares them (ClientEvent and ServerEvent in
            // Shared/ChatModels). Generated: ChatModelsTests hold this file to the declaration, and
            // `UPDATE_CONTRACTS=1 swift test --filter ChatModelsTests` writes it anew.


            """ + object("ClientEvent", ClientEvent.all.map(\.name)) + "\n" + object("ServerEvent", ServerEvent.allCases.map(\.rawValue))
    }

    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_")
        return parts.prefix(1).joined() + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
