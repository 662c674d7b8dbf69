import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Requires a valid `Authorization: Bearer …` token and puts its identity on the context.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = ChatRequestContext
    let tokens: TokenAuthority

    public init(tokens: TokenAuthority) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = try await self.tokens.verify(try Self.bearerToken(request.headers))
        context.logger[metadataKey: "user.id"] = .string(context.identity!.userID.uuidString.lowercased())
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
