import EventBus
import Foundation
import NIOConcurrencyHelpers
import Redis

/// Everything received on the bus, decoded.
public final class BusRecorder: Sendable {
    public init() {}

    private let box = NIOLockedValueBox<[(channel: String, envelope: BusEnvelope)]>([])
    public func record(_ event: RedisSubscriber.Event) {
        guard case .message(let message) = event, let envelope = BusEnvelope(decoding: message.payload) else { return }
        self.box.withLockedValue { $0.append((message.channel, envelope)) }
    }
    public var all: [(channel: String, envelope: BusEnvelope)] { self.box.withLockedValue { $0 } }
    public func events(on channel: String) -> [String] { self.all.filter { $0.channel == channel }.map(\.envelope.event) }
    /// What was published on `users` for `user`'s sockets (other tests share the channel).
    public func addressed(to user: UUID) -> [BusEnvelope] {
        self.all.filter { $0.channel == BusChannel.users && $0.envelope.audience.contains(user) }.map(\.envelope)
    }
}
