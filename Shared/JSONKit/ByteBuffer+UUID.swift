import Foundation
import NIOCore

extension ByteBuffer {
    /// Appends the UUID's textual form (see `UUID.withText`).
    @discardableResult
    public mutating func writeUUID(_ id: UUID, lowercase: Bool = false) -> Int {
        id.withText(lowercase: lowercase) { self.writeBytes($0) }
    }
}
