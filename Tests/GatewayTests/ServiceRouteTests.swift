import Foundation
import ServiceClients
import Testing

/// The routes the services register and their callers request, from one declaration.
@Suite struct ServiceRouteTests {
    @Test func pathsFillInTheIdInLowerCaseAndEncodeTheQuery() throws {
        let id = try #require(UUID(uuidString: "0F8FAD5B-D9CB-469F-A165-70867728950E"))
        #expect(MessagesAPI.conversation.path(id) == "/api/chat/conversations/0f8fad5b-d9cb-469f-a165-70867728950e")
        #expect(MessagesAPI.referencedStorageKeys.path() == "/internal/attachments/referenced")
        let history = MessagesAPI.messages.path(id, query: [("after", "7"), ("limit", "50")])
        #expect(history == "/api/chat/conversations/0f8fad5b-d9cb-469f-a165-70867728950e/messages?after=7&limit=50")
        // Separators inside a value are escaped; the commas of a list are kept.
        #expect(PresenceAPI.presence.path(query: [("userIds", "a,b&c=d+e")]) == "/api/presence?userIds=a,b%26c%3Dd%2Be")
    }

    @Test func aRouteMatchesItsOwnPathsOnly() {
        func segments(_ path: String) -> [Substring] { path.split(separator: "/") }
        #expect(UploadsAPI.upload.matches(segments("/api/chat/conversations/anything/upload")))
        #expect(!UploadsAPI.upload.matches(segments("/api/chat/conversations/anything/messages")))
        #expect(!UploadsAPI.upload.matches(segments("/api/chat/conversations/upload")))
        #expect(UploadsAPI.download.matches(segments("/api/chat/attachments/x")))
        #expect(!UploadsAPI.download.matches(segments("/api/chat/attachments/x/y")))
        #expect(MessagesAPI.login.matches(segments("/api/auth/login")))
        #expect(!MessagesAPI.login.matches(segments("/api/auth/login/extra")))
    }
}
