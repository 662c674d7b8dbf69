import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// `GET /api/calls/ice-servers`: the STUN and TURN servers a call's browsers use, with a
/// TURN credential for the caller alone that expires (never cached: each is personal).
struct CallRoutes: Sendable {
    let ice: IceSettings

    func register(on router: RouterGroup<ChatRequestContext>) {
        router.get(RouterPath(PresenceAPI.iceServers.pattern), use: self.iceServers)
    }

    @Sendable func iceServers(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<IceServers> {
        let identity = try context.requireIdentity()
        return JSONResponse(self.ice.iceServers(for: identity.userID, now: Date()), headers: [.cacheControl: "no-store"])
    }
}
