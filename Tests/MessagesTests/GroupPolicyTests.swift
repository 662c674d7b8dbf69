import ChatModels
import Testing

@testable import MessagesApp

/// The role table, without a database: every role against every action, refused with the
/// code the README's table names.
@Suite struct GroupPolicyTests {
    static let actions: [GroupAction] = [.edit, .addMembers, .invite, .remove(.owner), .remove(.admin), .remove(.member), .setRole]

    /// nil: allowed; else the refusal's code.
    static let table: [GroupRole: [ErrorCode?]] = [
        .owner: [nil, nil, nil, .validationFailed, nil, nil, nil],
        .admin: [nil, nil, nil, .notGroupOwner, .notGroupOwner, nil, .notGroupOwner],
        .member: [.notGroupAdmin, .notGroupAdmin, .notGroupAdmin, .notGroupAdmin, .notGroupAdmin, .notGroupAdmin, .notGroupOwner],
    ]

    @Test(arguments: GroupRole.allCases)
    func eachRoleMayDoWhatTheTableSaysAndNothingMore(_ role: GroupRole) {
        for (action, expected) in zip(Self.actions, Self.table[role]!) {
            let refusal: ErrorCode?
            do {
                try role.check(action)
                refusal = nil
            } catch {
                refusal = error.code
            }
            #expect(refusal == expected, "\(role) \(action)")
        }
    }
}
