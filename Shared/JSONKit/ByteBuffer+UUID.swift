import Foundation
import NIOCore

extension ByteBuffer {
    /// Appends the UUID's textual form (see `UUID.withText`).
    @discardableResult
    public mutating func writeUUID(_ id: UUID) -> Int {
        id.withText { self.writeBytes($0) }
    }
}
