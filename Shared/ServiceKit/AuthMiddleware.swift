import Auth
import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Requires a valid `Authorization: Bearer …` token: a user's, whose identity goes on the
/// context, or — on routes meant for other services (`/internal/**`) — a service's. The
/// gateway never routes to internal routes; this keeps them closed even on a shared network.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = ChatRequestContext

    /// Whose tokens pass.
    public enum Caller: Sendable {
        case user
        case service
    }

    let tokens: TokenAuthority
    let caller: Caller

    public init(tokens: TokenAuthority, accepting caller: Caller = .user) {
        self.tokens = tokens
        self.caller = caller
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let token = try Self.bearerToken(request.headers)
        switch self.caller {
        case .user:
            let verified = try await self.tokens.verifyToken(token)
            let identity = verified.identity
            context.identity = identity
            context.sessionID = verified.sessionID
            context.logger[metadataKey: "user.id"] = .string(identity.userID.uuidString.lowercased())
        case .service:
            context.logger[metadataKey: "caller"] = .string(try await self.tokens.verifyServiceToken(token))
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer …` header.
    public static func bearerToken(_ headers: HTTPFields) throws(APIError) -> Substring {
        try Self.bearerToken(authorization: headers[.authorization])
    }

    /// The token of an `Authorization` header's value (`Bearer …`).
    public static func bearerToken(authorization value: String?) throws(APIError) -> Substring {
        guard let value else { throw .missingToken }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .invalidToken }
        return parts[1].drop { $0 == " " }
    }
}
