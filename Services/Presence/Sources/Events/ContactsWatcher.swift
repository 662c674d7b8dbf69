import EventBus
import Foundation
import JSONKit
import Logging
import NIOCore
import Redis
import ServiceLifecycle

/// Listens on `BusChannel.contacts` and makes the contacts cache forget the users named
/// there; after a reconnect (announcements were missed) it forgets everyone.
struct ContactsWatcher: Service {
    private let subscriber: RedisSubscriber

    init(redis: RedisConfiguration, contacts: ContactsClient, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.subscriber = RedisSubscriber(configuration: redis, eventLoopGroup: eventLoopGroup, logger: logger) { event in
            switch event {
            case .message(let message):
                contacts.forget(String(buffer: message.payload).split(separator: ",").compactMap { UUID(text: $0) })
            case .resubscribed:
                contacts.forgetAll()
            case .disconnected:
                break
            }
        }
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            // Refused or timed out, it is made again on the subscriber's next connection.
            try? await self.subscriber.subscribe([BusChannel.contacts])
        }
    }
}
