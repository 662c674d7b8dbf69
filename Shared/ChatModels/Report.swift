import Foundation
import JSONKit

/// Why someone reports a message or a person.
public enum ReportReason: String, Codable, Sendable, CaseIterable {
    case spam
    case harassment
    case inappropriateForMinors = "inappropriate_for_minors"
    case other
}

/// `POST /api/reports`: a message (`messageId` with its `conversationId`) or a person
/// (`userId`), with a reason; `text` says more (required for `other`).
public struct ReportRequest: Codable, Sendable, Hashable {
    public var reason: ReportReason
    public var text: String?
    public var conversationId: UUID?
    public var messageId: UUID?
    public var userId: UUID?

    public init(reason: ReportReason, text: String? = nil, conversationId: UUID? = nil, messageId: UUID? = nil, userId: UUID? = nil) {
        self.reason = reason
        self.text = text
        self.conversationId = conversationId
        self.messageId = messageId
        self.userId = userId
    }
}

/// Where a report stands.
public enum ReportState: String, Codable, Sendable, CaseIterable {
    case open, dismissed, actioned
}

/// What the reporter is told: the report is in, and will be looked at.
public struct ReportReceipt: Codable, Sendable, Hashable {
    public var id: UUID
    public var state: ReportState
    public var createdAt: Date

    public init(id: UUID, state: ReportState, createdAt: Date) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
    }
}

/// A report as the moderation queue shows it: who reported whom, why, and the message with
/// the messages around it (each such read is in the audit log).
public struct Report: Codable, Sendable, Hashable {
    public var id: UUID
    public var reporter: User
    public var subject: User
    public var reason: ReportReason
    public var text: String?
    public var state: ReportState
    public var createdAt: Date
    public var conversationId: UUID?
    public var message: Message?
    /// Up to five messages before the reported one and five after, oldest first.
    public var context: [Message]
    /// What was done, once it was: `dismiss`, `delete_message`, `warn`, `suspend`.
    public var action: String?
    public var resolvedAt: Date?
    public var resolvedBy: UUID?

    public init(
        id: UUID,
        reporter: User,
        subject: User,
        reason: ReportReason,
        text: String?,
        state: ReportState,
        createdAt: Date,
        conversationId: UUID?,
        message: Message?,
        context: [Message],
        action: String?,
        resolvedAt: Date?,
        resolvedBy: UUID?
    ) {
        self.id = id
        self.reporter = reporter
        self.subject = subject
        self.reason = reason
        self.text = text
        self.state = state
        self.createdAt = createdAt
        self.conversationId = conversationId
        self.message = message
        self.context = context
        self.action = action
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }
}

/// A page of the moderation queue, oldest first (the longest waiting on top).
public struct ReportPage: Codable, Sendable, Hashable {
    public var reports: [Report]
    public var nextCursor: String?

    public init(reports: [Report], nextCursor: String?) {
        self.reports = reports
        self.nextCursor = nextCursor
    }
}

/// `POST /api/admin/reports/{id}/actions`: what an admin does about a report. `suspend`
/// lasts until `until`, or for good without it; `note` goes to the audit log (and, for
/// `warn`, to the person warned).
public struct ModerationRequest: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        case dismiss
        case deleteMessage = "delete_message"
        case warn
        case suspend
    }

    public var action: Action
    public var until: Date?
    public var note: String?

    public init(action: Action, until: Date? = nil, note: String? = nil) {
        self.action = action
        self.until = until
        self.note = note
    }
}

/// `account_warned`: an admin warned the user about what they wrote.
public struct AccountWarning: Codable, Sendable, Hashable {
    public var message: String

    public init(message: String) {
        self.message = message
    }
}
