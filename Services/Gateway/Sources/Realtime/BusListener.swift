import Foundation
import Logging
import NIOConcurrencyHelpers
import Redis
import ServiceKit

/// Where what the gateway hears on Redis goes: replies to its commands to the command
/// client, everything else to the sockets behind the channel. Bound after creation, since
/// the subscriber that calls it and the registry it calls need each other.
final class BusListener: Sendable {
    private let targets = NIOLockedValueBox<(rooms: RoomRegistry, commands: CommandClient)?>(nil)
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func bind(rooms: RoomRegistry, commands: CommandClient) {
        self.targets.withLockedValue { $0 = (rooms, commands) }
    }

    /// Called on the subscriber's event loop for everything it hears.
    func handle(_ event: RedisSubscriber.Event) {
        switch event {
        case .message(let message):
            guard let targets = self.targets.withLockedValue({ $0 }), let envelope = BusEnvelope(decoding: message.payload) else { return }
            if message.channel == targets.commands.channel {
                targets.commands.receive(envelope)
            } else {
                targets.rooms.deliver(envelope, on: message.channel)
            }
        case .resubscribed:
            // Events published while the connection was down were missed here; clients
            // notice the gap in `seq` and catch up (`sync_conversation`, or `after=`).
            self.logger.warning("resubscribed to Redis after a disconnection")
        case .disconnected:
            self.logger.warning("lost the Redis subscription; reconnecting")
        }
    }
}
