import Foundation

/// Cursors are opaque to clients: their text, base64url without padding, so that a client
/// pastes them into a query as they are and never builds one.
enum OpaqueCursor {
    static func encode(_ raw: String) -> String {
        Base64URL.encode(Data(raw.utf8))
    }

    /// The text of a cursor, if `text` is one of at most `maxBytes`.
    static func decode(_ text: String, maxBytes: Int = 200) -> String? {
        guard text.utf8.count <= maxBytes, let data = Base64URL.decode(text) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

/// Where the next page starts in a list ordered by a time and then an id (conversations by
/// their last activity, reports by when they were filed): `micros|id`, opaque to clients.
struct TimeCursor: Sendable, Equatable {
    /// The time, in microseconds since 1970, as stored.
    var micros: Int64
    var id: UUID

    var text: String { OpaqueCursor.encode("\(self.micros)|\(self.id.uuidString)") }

    init(micros: Int64, id: UUID) {
        self.micros = micros
        self.id = id
    }

    init?(text: String) {
        guard let raw = OpaqueCursor.decode(text) else { return nil }
        let parts = raw.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(micros: micros, id: id)
    }
}
