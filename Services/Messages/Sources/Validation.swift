import ChatModels
import Foundation
import ServiceKit

/// Input rules, each answering a bad value with a 422 that says what is wrong.
enum Validate {
    /// A display name: trimmed, 1 to 100 characters, no control characters.
    static func name(_ value: String, field: String = "name", maxLength: Int = 100) throws(APIError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .validation("'\(field)' must not be empty") }
        guard trimmed.count <= maxLength else { throw .validation("'\(field)' must be at most \(maxLength) characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("'\(field)' must not contain control characters")
        }
        return trimmed
    }

    /// An email address, trimmed and lowercased: one `@`, something on each side, a dot in the domain.
    static func email(_ value: String) throws(APIError) -> String {
        let email = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw .validation("'email' must be an email address") }
        return email
    }

    /// 8 to 72 bytes: bcrypt ignores everything past 72, so longer would mislead.
    static func newPassword(_ value: String) throws(APIError) {
        guard value.utf8.count >= 8 else { throw .validation("'password' must be at least 8 characters") }
        guard value.utf8.count <= 72 else { throw .validation("'password' must be at most 72 bytes") }
        guard !value.utf8.contains(0) else { throw .validation("'password' must not contain NUL") }
    }
}
