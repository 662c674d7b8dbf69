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
    /// Headers besides the content type (`Link` to a list's next page).
    public var headers: HTTPFields

    public init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: self.status, headers: headers, body: ResponseBody(byteBuffer: try ChatJSON.buffer(self.value)))
    }
}
