import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import JSONKit
import ServiceKit
import Testing

@Suite struct ErrorMappingTests {
    @Test func errorsMapToTheirStatusAndCode() throws {
        #expect(APIError(routeError: HTTPError(.notFound)).code == .notFound)
        #expect(APIError(routeError: HTTPError(.contentTooLarge)).status == .contentTooLarge)
        #expect(APIError(routeError: HTTPError(.methodNotAllowed)).code == .methodNotAllowed)
        #expect(APIError(routeError: HTTPError(.unsupportedMediaType)).code == .badRequest)
        #expect(APIError(CancellationError()) == .internal)
        struct Secret: Error { let password = "hunter2" }
        let hidden = APIError(Secret())
        #expect(hidden.status == .internalServerError && !hidden.message.contains("hunter2"))
        let missing = try #require(decodingError(#"{"email":"a@b.c"}"#, as: LoginRequest.self))
        #expect(APIError(missing).message == "Missing field 'password'")
        let wrongType = try #require(decodingError(#"{"email":1,"password":"x"}"#, as: LoginRequest.self))
        #expect(APIError(wrongType).message == "Wrong type for 'email'")
        let notJSON = try #require(decodingError("{", as: LoginRequest.self))
        #expect(APIError(notJSON).message == "The body is not valid JSON")
    }

    @Test func theErrorResponseIsTheJSONShape() throws {
        let response = APIError.unavailable("Down").response()
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers[.retryAfter] == "1")
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
    }

    func decodingError<T: Decodable>(_ json: String, as type: T.Type) -> DecodingError? {
        do {
            _ = try ChatJSON.decoder().decode(T.self, from: Data(json.utf8))
            return nil
        } catch {
            return error as? DecodingError
        }
    }
}
