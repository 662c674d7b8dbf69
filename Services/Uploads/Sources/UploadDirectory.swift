import Foundation

/// The directory files are stored in: created at start, and checked for being writable.
struct UploadDirectory: Sendable {
    let path: String

    func prepare() throws {
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    /// Whether a file can be created and removed there right now.
    func checkWritable() throws {
        let probe = (self.path as NSString).appendingPathComponent(".ready-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        try FileManager.default.removeItem(atPath: probe)
    }
}
