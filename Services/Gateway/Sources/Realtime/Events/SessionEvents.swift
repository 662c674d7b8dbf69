import Auth
import ChatModels

/// What a socket's client says about its sign-in.
enum SessionEvents {
    /// `renew_token`: the socket's identity is fixed at CONNECT, so only a token of the same
    /// user is taken; the socket then ends when the new token expires, not the old one.
    @Sendable static func renewToken(_ payload: RenewTokenPayload, _ call: EventCall) async throws {
        let verified = try await call.context.tokens.verifyToken(payload.token)
        guard verified.identity.userID == call.userID else { throw APIError.forbidden("That token is another user's") }
        guard call.connection.renew(verified, token: payload.token) else { throw APIError.invalidToken }
        call.ack(RenewTokenAck(expiresAt: verified.expires))
    }
}
