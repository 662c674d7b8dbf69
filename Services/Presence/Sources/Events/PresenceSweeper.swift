import Foundation
import Logging
import NIOCore
import ServiceKit
import ServiceLifecycle

/// Ends what nobody ends explicitly: typing indicators past their time, and the
/// connections of a gateway that died without saying goodbye (its users go offline
/// unless connected elsewhere). Every instance sweeps; Redis decides which one handles
/// each item. A gateway's sweep is claimed for a lease and ends only once every connection
/// is cleared: one that fails is taken up again when the lease runs out. A gateway that
/// beats again meanwhile keeps what is left (and reports its live connections again).
struct PresenceSweeper: Service {
    let store: PresenceStore
    let announcer: PresenceAnnouncer
    let gatewayDeadAfter: Duration
    let every: Duration
    let logger: Logger

    func run() async throws {
        do {
            let mended = try await self.store.reconcileOnlineSet()
            if mended > 0 { self.logger.notice("mended the online set", metadata: ["users": "\(mended)"]) }
        } catch {
            self.logger.warning("the online set could not be checked", metadata: ["error": "\(error)"])
        }
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
        let deadAfter = Double(TimeAmount(self.gatewayDeadAfter).nanoseconds) / 1e9
        let claimed = try await self.store.claimDeadGateways(
            silentSince: now.addingTimeInterval(-deadAfter),
            now: now,
            leaseEnd: now.addingTimeInterval(deadAfter)
        )
        for gateway in claimed {
            try await self.clear(gateway, now: now)
        }
    }

    /// Clears a dead gateway's connections, each on its own: one that fails leaves the sweep
    /// unfinished (to be taken up again), not the others undone.
    private func clear(_ gateway: String, now: Date) async throws {
        let connections = try await self.store.connections(onGateway: gateway)
        self.logger.warning(
            "gateway stopped heartbeating; clearing its connections",
            metadata: ["gateway": "\(gateway)", "connections": "\(connections.count)"]
        )
        var unfinished = 0
        for (user, connection) in connections {
            let change: StatusChange
            do {
                guard let swept = try await self.store.sweptDisconnect(user: user, gateway: gateway, connection: connection, now: now) else {
                    self.logger.notice("gateway beats again; it keeps its connections", metadata: ["gateway": "\(gateway)"])
                    return try await self.store.finishSweep(gateway: gateway, forget: false)
                }
                change = swept
            } catch {
                unfinished += 1
                self.logger.warning("could not clear a connection; the sweep will be retried", metadata: ["error": "\(error)"])
                continue
            }
            do {
                try await self.announcer.announce(change, of: user)
            } catch {
                self.logger.warning("could not announce a status change", metadata: ["user.id": "\(user)", "error": "\(error)"])
            }
        }
        if unfinished == 0 { try await self.store.finishSweep(gateway: gateway, forget: true) }
    }
}
