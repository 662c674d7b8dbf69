import Auth
import ChatModels
import ServiceKit
import SocketIO

/// The events clients send, handed to the gateway's `ClientEventRouter`. Each answers in its
/// ack: `{ok: true, …}` or `{error: {code, message}}`.
extension SocketSession {
    func handleEvent(_ packet: SocketIOPacket) async {
        let event: SocketIOEvent
        do {
            event = try SocketIOEvent(packet: packet)
        } catch {
            return self.connection.close(.protocolViolation)  // the spec: an event must be a non-empty array
        }
        guard let identity = self.connection.identity, let token = self.connection.token else { return }
        let call = EventCall(connection: self.connection, context: self.context, userID: identity.userID, token: token, ackID: event.ackID)
        do {
            try await self.context.events.handle(event, call)
        } catch {
            call.ack(error: APIError(error))
        }
    }
}
