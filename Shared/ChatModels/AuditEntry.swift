import Foundation
import JSONKit

/// One line of the audit log (`GET /api/admin/audit`): what an admin did, to whom, when.
/// The log is append-only: the database refuses to change or remove a line.
public struct AuditEntry: Codable, Sendable, Hashable {
    public var id: Int64
    public var at: Date
    /// The admin; absent for what an operator did from the command line.
    public var actorId: UUID?
    /// `verify`, `unverify`, `set_role`, …
    public var action: String
    public var subjectUserId: UUID?
    public var subjectMessageId: UUID?
    /// What else the action said (a role, a reason).
    public var detail: [String: String]

    public init(
        id: Int64,
        at: Date,
        actorId: UUID?,
        action: String,
        subjectUserId: UUID?,
        subjectMessageId: UUID? = nil,
        detail: [String: String] = [:]
    ) {
        self.id = id
        self.at = at
        self.actorId = actorId
        self.action = action
        self.subjectUserId = subjectUserId
        self.subjectMessageId = subjectMessageId
        self.detail = detail
    }
}

/// A page of the audit log, newest first; `nextCursor` continues it.
public struct AuditPage: Codable, Sendable, Hashable {
    public var entries: [AuditEntry]
    public var nextCursor: String?

    public init(entries: [AuditEntry], nextCursor: String?) {
        self.entries = entries
        self.nextCursor = nextCursor
    }
}
