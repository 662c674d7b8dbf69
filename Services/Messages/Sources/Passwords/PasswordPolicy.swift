import ChatModels
import Foundation

/// What a new password must be, after NIST SP 800-63B (3.1.1.2): long enough, and not one
/// an attacker tries first. No rules of composition (a digit, a capital): they make
/// passwords harder to remember, not to guess.
enum PasswordPolicy {
    /// The most common passwords, lowercased (a list of about 11,600: a set is read once).
    static let common: Set<Substring> = Set(commonPasswordList.lowercased().split(separator: "\n"))

    /// Refuses `password` for a new account or a change, naming the field: too short (in
    /// characters, as NIST counts: each Unicode code point one) or too long (in bytes), a
    /// common password, one character over and over, or the account's own name or email.
    static func check(_ password: String, name: String? = nil, email: String? = nil, field: String = "password") throws(APIError) {
        let (least, most) = (AccountRules.passwordMinLength, AccountRules.passwordMaxBytes)
        guard password.unicodeScalars.count >= least else {
            throw .validation("The password must be at least \(least) characters", field: field)
        }
        guard password.utf8.count <= most else { throw .validation("The password must be at most \(most) bytes", field: field) }
        guard !password.utf8.contains(0) else { throw .validation("The password must not contain NUL", field: field) }
        let folded = password.lowercased()
        guard !Self.common.contains(Substring(folded)) else {
            throw .validation("That password is one of the most common ones, which are tried first: choose another", field: field)
        }
        guard Set(folded.unicodeScalars).count > 1 else { throw .validation("The password must not be one character repeated", field: field) }
        let own = [name, email, email?.split(separator: "@").first.map(String.init)].compactMap { $0?.lowercased() }.filter { !$0.isEmpty }
        guard !own.contains(folded) else { throw .validation("The password must not be your name or email address", field: field) }
    }
}
