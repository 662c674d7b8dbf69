import ChatModels
import Foundation
import HTTPTypes
import Testing

@Suite struct ErrorCodeTests {
    /// The REST document lists exactly the codes the code can answer, in the same order.
    @Test func theOpenAPIDocumentListsEveryErrorCode() throws {
        let document = try JSONSerialization.jsonObject(with: Data(try Repository.read("Web/api/openapi.json").utf8)) as? [String: Any]
        let code = document?[path: ["components", "schemas", "Error", "properties", "error", "properties", "code"]] as? [String: Any]
        let listed = code?["enum"] as? [String] ?? []
        let declared = ErrorCode.allCases.map(\.rawValue)
        #expect(
            listed == declared,
            """
            Web/api/openapi.json's Error.code enum differs from ErrorCode; it should be:
            \(declared.map { "\"\($0)\"" }.joined(separator: ", "))
            """
        )
    }

    @Test func everyCodeIsSnakeCaseAndItsStatusAnError() {
        for code in ErrorCode.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0 == "_" }, "\(code.rawValue)")
            #expect((400..<600).contains(code.status.code), "\(code.rawValue)")
            // Only a dependency's fault or a spent allowance passes with time.
            if code.isRetryable { #expect(code.status.code >= 500 || code.status == .tooManyRequests, "\(code.rawValue)") }
        }
    }

    @Test func anErrorSaysItsCodesStatusAndRetryability() throws {
        let error = APIError(.rateLimited, "slow down")
        #expect(error.status == .tooManyRequests && error.retryable)
        #expect(error.body.error.retryable == true && error.body.error.code == .rateLimited)
        #expect(APIError(.notFound, "gone").body.error.retryable == nil)
    }
}

extension Dictionary where Key == String, Value == Any {
    subscript(path path: [String]) -> Any? {
        var value: Any? = self
        for key in path { value = (value as? [String: Any])?[key] }
        return value
    }
}
