import Foundation
import Logging
import NIOCore
import ServiceKit
import ServiceLifecycle

/// Ends what nobody ends explicitly: typing indicators past their time, and the
/// connections of a gateway that died without saying goodbye (its users go offline
/// unless connected elsewhere). Every instance sweeps; Redis decides which one handles
/// each item, so each is handled once.
struct PresenceSweeper: Service {
    let store: PresenceStore
    let announcer: PresenceAnnouncer
    let gatewayDeadAfter: Duration
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.sweep()
            } catch {
                self.logger.debug("presence sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [every] in try await Task.sleep(for: every) }
        }
    }

    func sweep(now: Date = Date()) async throws {
        for (conversation, user) in try await self.store.expiredTyping(now: now) {
            try await self.announcer.typing(false, user: user, conversation: conversation)
        }
        let deadline = now.addingTimeInterval(-Double(TimeAmount(self.gatewayDeadAfter).nanoseconds) / 1e9)
        for gateway in try await self.store.deadGateways(silentSince: deadline) {
            let connections = try await self.store.connections(onGateway: gateway)
            self.logger.warning(
                "gateway stopped heartbeating; clearing its connections",
                metadata: ["gateway": "\(gateway)", "connections": "\(connections.count)"]
            )
            for (user, connection) in connections {
                let change = try await self.store.disconnected(user: user, gateway: gateway, connection: connection, now: now)
                try await self.announcer.announce(change, of: user)
            }
            try await self.store.forget(gateway: gateway)
        }
    }
}
