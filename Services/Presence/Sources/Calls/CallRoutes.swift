import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// `GET /api/calls/ice-servers`: the STUN and TURN servers a call's browsers use, with a
/// TURN credential for the caller alone that expires (never cached: each is personal).
/// On the internal routes, the call events gateways hand over.
struct CallRoutes: Sendable {
    let ice: IceSettings
    let calls: CallService

    func register(on router: RouterGroup<ChatRequestContext>) {
        router.get(RouterPath(PresenceAPI.iceServers.pattern), use: self.iceServers)
    }

    func register(internal router: RouterGroup<ChatRequestContext>) {
        router.post(RouterPath(PresenceAPI.calls.pattern)) { request, context in
            JSONResponse(try await self.calls.invite(try await request.decodeJSON(as: CallInviteRequest.self, context: context)))
        }
        router.post(RouterPath(PresenceAPI.call.pattern)) { request, context in
            let id = try context.parameters.require("id", as: UUID.self)
            return JSONResponse(try await self.calls.handle(try await request.decodeJSON(as: CallCommand.self, context: context), call: id))
        }
    }

    @Sendable func iceServers(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<IceServers> {
        let identity = try context.requireIdentity()
        return JSONResponse(self.ice.iceServers(for: identity.userID, now: Date()), headers: [.cacheControl: "no-store"])
    }
}
