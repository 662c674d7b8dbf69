import NIOCore

/// Engine.IO's refusal of a request, `{"code": …, "message": …}`: what clients report.
struct EngineIOError: Equatable, Sendable {
    let code: Int
    let message: String

    static let unknownTransport = Self(code: 0, message: "Transport unknown")
    static let unknownSession = Self(code: 1, message: "Session ID unknown")
    static let badMethod = Self(code: 2, message: "Bad handshake method")
    static let badRequest = Self(code: 3, message: "Bad request")
    static let forbidden = Self(code: 4, message: "Forbidden")
    static let unsupportedVersion = Self(code: 5, message: "Unsupported protocol version")

    var body: ByteBuffer {
        ByteBuffer(string: #"{"code":\#(self.code),"message":"\#(self.message)"}"#)
    }
}
