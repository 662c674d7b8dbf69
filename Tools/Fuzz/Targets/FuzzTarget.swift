/// The parsers that read what a client sends, each behind one entry point libFuzzer (or a
/// replay of a saved input) calls with arbitrary bytes. An entry point returns normally
/// for any input the parser refuses; it traps only when the parser crashes, hangs, or
/// breaks a property that must hold for every input it accepts (`FuzzCheck.require`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// One WebSocket text frame: Engine.IO packet, then Socket.IO packet, then event.
    case engineIOFrame = "engineio-frame"
    /// One long-polling POST body: frames joined by the record separator.
    case engineIOPolling = "engineio-polling"
    /// The hand-written JSON readers: array and object scanners, string literals, UUIDs,
    /// and `send_message`'s payload read against `JSONDecoder`.
    case json
    /// A `multipart/form-data` body, fed whole and in pieces of a size the input chooses.
    case multipart
    /// `Range` and `Content-Disposition`/`Content-Type` header values.
    case headers

    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .engineIOFrame: SocketIOFuzzing.frame(bytes)
        case .engineIOPolling: SocketIOFuzzing.pollingPayload(bytes)
        case .json: JSONFuzzing.run(bytes)
        case .multipart: MultipartFuzzing.run(bytes)
        case .headers: HeaderFuzzing.run(bytes)
        }
    }

    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.run($0) }
    }
}

/// A property every accepted input must keep; a broken one is a finding, so it traps and
/// libFuzzer saves the input.
enum FuzzCheck {
    static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line)
    {
        guard !condition() else { return }
        fatalError("property broken: \(message())", file: file, line: line)
    }
}
