import Foundation

/// Files of the repository these tests hold the code to.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// With `UPDATE_CONTRACTS=1`, a generated file that differs is written instead of failing.
    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_CONTRACTS"] == "1" }

    static func write(_ path: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(path), atomically: true, encoding: .utf8)
    }
}
