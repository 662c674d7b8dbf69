import ChatModels
import ServiceConfiguration

/// Who may open a conversation with whom (`CONTACT_POLICY`). Students on a tutoring
/// platform are often minors: by default a conversation is theirs to start, with an expert,
/// and an expert answers in it; an expert never starts one with a student. Staff (experts
/// and admins) talk among themselves freely, and an admin may open any conversation.
/// Writing in a conversation one is a member of is never refused here.
public enum ContactPolicy: String, Sendable, Hashable {
    /// A student opens a direct conversation with an expert (or an admin), or a group that
    /// includes one; an expert may not open one with students, nor a group holding any.
    case studentsStart = "students-start"
    /// Anyone opens a conversation with anyone.
    case open

    /// Why `creator` may not open a conversation with people of these `roles`; nil when
    /// they may.
    func refusal(creator: Role, others roles: [Role]) -> APIError? {
        guard self == .studentsStart else { return nil }
        switch creator {
        case .admin:
            return nil
        case .student:
            guard roles.contains(where: { $0 != .student }) else {
                return APIError(.contactNotAllowed, "Students start conversations with experts: add an expert to write to other students")
            }
            return nil
        case .expert:
            guard !roles.contains(.student) else {
                return APIError(.contactNotAllowed, "Experts answer the students who write to them, and do not start conversations with students")
            }
            return nil
        }
    }

    public static let setting = Setting.choice(
        "CONTACT_POLICY",
        default: "students-start",
        ["students-start": ContactPolicy.studentsStart, "open": ContactPolicy.open],
        help:
            "`students-start`: only a student opens a conversation, with an expert (or a group with one); an expert answers and never starts one with students; admins open any. `open`: anyone with anyone (403 `contact_not_allowed` otherwise)"
    )
}
