import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import JSONKit
import NIOCore

/// A JSON response in the shared encoding, with the status the route chose.
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator, Sendable {
    public var status: HTTPResponse.Status
    public var value: Value

    public init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: self.status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: try ChatJSON.buffer(self.value))
        )
    }
}
