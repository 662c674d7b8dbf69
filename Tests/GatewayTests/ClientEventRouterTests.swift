import ChatModels
import Testing

@testable import GatewayApp

@Suite struct ClientEventRouterTests {
    /// Every declared event has a handler, and nothing undeclared is served: adding an event
    /// is its declaration and its handler.
    @Test func theGatewayServesExactlyTheDeclaredEvents() {
        #expect(ClientEventRouter.chat().names == Set(ClientEvent.all.map(\.name)))
    }
}
