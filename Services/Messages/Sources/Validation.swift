import ChatModels
import Foundation
import ServiceKit

/// Input rules, each answering a bad value with a 422 that says what is wrong.
enum Validate {
    /// A display name or a title: trimmed, 1 to `maxLength` characters within `TextRules`,
    /// no control characters, nothing that reorders how it shows.
    static func name(_ value: String, field: String = "name", maxLength: Int = AccountRules.nameMaxLength) throws(APIError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .validation("'\(field)' must not be empty", field: field) }
        try Self.line(trimmed, field: field, maxLength: maxLength)
        return trimmed
    }

    /// One line a person reads as written: bounded, no control characters, no bidirectional
    /// overrides (a name must not show as another).
    private static func line(_ text: String, field: String, maxLength: Int) throws(APIError) {
        try TextRules.bounded(text, field: field, characters: maxLength)
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("'\(field)' must not contain control characters", field: field)
        }
        guard !TextRules.holdsBidiControls(text) else {
            throw .validation("'\(field)' must not contain direction overrides (U+202A–U+202E, U+2066–U+2069)", field: field)
        }
    }

    /// An email address, trimmed and lowercased: one `@`, something on each side, a dot in the domain.
    static func email(_ value: String) throws(APIError) -> String {
        let email = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw .validation("'email' must be an email address", field: "email") }
        return email
    }
}

extension Validate {
    static let maxHeadline = 120
    static let maxBio = 1000
    static let maxSubjects = 12
    static let maxSubject = 40

    /// A profile change as the update statement takes it: names trimmed and bounded, an
    /// empty headline or bio cleared, subjects trimmed, de-duplicated (letter case aside)
    /// and for experts only.
    static func profile(_ change: ProfileChange, role: Role) throws(APIError) -> ValidProfileChange {
        var valid = ValidProfileChange()
        valid.name = try change.name.map { name throws(APIError) in try Self.name(name) }
        if case .set(let headline) = change.headline {
            valid.setsHeadline = true
            valid.headline = try Self.optionalText(headline, field: "headline", maxLength: Self.maxHeadline)
        }
        if case .set(let bio) = change.bio {
            valid.setsBio = true
            valid.bio = try Self.optionalText(bio, field: "bio", maxLength: Self.maxBio, multiline: true)
        }
        if let subjects = change.subjects {
            guard role == .expert else { throw .validation("Only experts list 'subjects'") }
            guard subjects.count <= Self.maxSubjects else { throw .validation("'subjects' holds at most \(Self.maxSubjects)") }
            var seen = Set<String>()
            var kept: [String] = []
            for subject in subjects {
                let subject = try Self.name(subject, field: "subjects", maxLength: Self.maxSubject)
                if seen.insert(subject.lowercased()).inserted { kept.append(subject) }
            }
            valid.subjects = kept
        }
        return valid
    }

    /// Trimmed text of at most `maxLength` characters, nil when empty: one line as `name`
    /// takes it, or, where `multiline`, prose with line breaks and no other control characters.
    static func optionalText(_ value: String?, field: String, maxLength: Int, multiline: Bool = false) throws(APIError) -> String? {
        let trimmed = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        guard multiline else {
            try Self.line(trimmed, field: field, maxLength: maxLength)
            return trimmed
        }
        // Prose is shown isolated (`dir=auto`), so its own direction controls stay inside it.
        try TextRules.bounded(trimmed, field: field, characters: maxLength)
        let allowed: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) else {
            throw .validation("'\(field)' must not contain control characters", field: field)
        }
        return trimmed
    }
}
