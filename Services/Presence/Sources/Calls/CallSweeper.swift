import Foundation
import Logging
import ServiceLifecycle

/// Moves calls on when nobody does: ringing runs out, a party's socket is gone (a gateway
/// that died included, once presence has swept it) and its grace runs out. Every instance
/// sweeps; each change commits once, whoever computes it first.
struct CallSweeper: Service {
    let calls: CallService
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.calls.checkSockets()
                try await self.calls.tick()
            } catch {
                self.logger.debug("call sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [every] in try await Task.sleep(for: every) }
        }
    }
}
