import Foundation
import Logging
import NIOConcurrencyHelpers
import Redis
import ServiceKit
import ServiceLifecycle

/// Where what the gateway hears on Redis goes: replies to its commands to the command
/// client, everything else to the sockets behind the channel. Bound after creation, since
/// the subscriber that calls it and the registry it calls need each other.
final class BusListener: Sendable {
    private let targets = NIOLockedValueBox<(rooms: RoomRegistry, commands: CommandClient)?>(nil)
    private let logger: Logger
    /// A request for the rooms to catch up, taken by `CatchUpService`.
    let catchUpRequests: AsyncStream<Void>
    private let requestCatchUp: AsyncStream<Void>.Continuation

    init(logger: Logger) {
        self.logger = logger
        (self.catchUpRequests, self.requestCatchUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
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
            // Events published while the connection was down were missed here: the rooms
            // fetch the messages they missed and deliver them.
            self.logger.warning("resubscribed to Redis after a disconnection")
            self.targets.withLockedValue { $0 }?.commands.repliesResumed()
            self.requestCatchUp.yield()
        case .disconnected:
            self.logger.warning("lost the Redis subscription; reconnecting")
            self.targets.withLockedValue { $0 }?.commands.repliesInterrupted()
        }
    }
}

/// Runs the rooms' catch-up whenever the bus asks for one, one at a time.
struct CatchUpService: Service {
    let requests: AsyncStream<Void>
    let rooms: RoomRegistry
    let messages: MessagesAPI

    func run() async throws {
        await cancelWhenGracefulShutdown { [requests, rooms, messages] in
            for await _ in requests {
                await rooms.catchUp(using: messages)
            }
        }
    }
}
