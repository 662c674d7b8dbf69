import ChatModels
import Foundation
import Hummingbird
import JSONKit
import NIOCore
import NIOFoundationCompat

extension Request {
    /// Decodes a JSON body of at most the context's `maxUploadSize`; a body that is not
    /// the expected JSON is a 400 naming the field at fault, never a 500.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T {
        let body = try await self.body.collect(upTo: context.maxUploadSize)
        do {
            return try ChatJSON.decoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw APIError.badRequest(error.clientDescription)
        }
    }
}
