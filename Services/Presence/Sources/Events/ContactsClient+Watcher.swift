import EventBus
import Foundation
import JSONKit
import Logging
import NIOCore
import Redis

extension ContactsClient {
    /// Listens on `BusChannel.contacts` and forgets the users named there; after a
    /// reconnect (announcements were missed) it forgets everyone.
    func watcher(redis: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) -> RedisSubscriber {
        RedisSubscriber(configuration: redis, eventLoopGroup: eventLoopGroup, logger: logger, channels: [BusChannel.contacts]) { [self] event in
            switch event {
            case .message(let message):
                self.forget(String(buffer: message.payload).split(separator: ",").compactMap { UUID(text: $0) })
            case .resubscribed:
                self.forgetAll()
            case .disconnected:
                break
            }
        }
    }
}
