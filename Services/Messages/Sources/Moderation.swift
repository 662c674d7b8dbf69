import Auth
import ChatModels
import EventBus
import Foundation
import JSONKit
import PostgresNIO

/// What an admin does about a report, each action in one transaction with the report's
/// resolution and its audit line: dismiss it, delete the message (a tombstone, as its
/// sender's delete leaves), warn its subject, or suspend them (their tokens revoked at
/// once, so their sockets end on every gateway; sign-in refused until it ends). `restore`
/// lifts a suspension.
struct Moderation: Sendable {
    let database: Database
    let messages: MessageStore
    let conversations: ConversationStore
    let events: MessageEvents
    let revocations: RevocationFeed
    let rules: ChangeRules

    /// Acts on an open report; 404 if there is none open with this id.
    func act(on reportID: UUID, _ request: ModerationRequest, by admin: UUID) async throws {
        let note = try Self.note(request.note)
        let action = request.action.rawValue
        switch request.action {
        case .deleteMessage:
            try await self.deleteMessage(of: reportID, note: note, by: admin)
        case .dismiss, .warn, .suspend:
            let subject: UUID = try await self.database.transaction { connection in
                let logger = self.database.logger
                let state: ReportState = request.action == .dismiss ? .dismissed : .actioned
                guard let report = try await ReportStore.resolve(reportID, as: state, action: action, by: admin, on: connection, logger: logger)
                else { throw APIError.notFound("No open report with this id") }
                var detail = ["report": reportID.text()]
                if let note { detail["note"] = note }
                if request.action == .suspend {
                    if let until = request.until {
                        guard until > Date() else { throw APIError.validation("'until' must be in the future") }
                        detail["until"] = ChatJSON.format(until)
                    }
                    _ = try await UserStore.suspend(report.subject, until: request.until, on: connection, logger: logger)
                }
                try await AuditLog.record(
                    AuditLog.Action(request.action),
                    by: admin,
                    user: report.subject,
                    message: report.messageID,
                    detail: detail,
                    on: connection,
                    logger: logger
                )
                return report.subject
            }
            if request.action == .warn {
                await self.events.warned(
                    subject,
                    AccountWarning(message: note ?? "An admin reviewed a report about what you wrote. Please keep to the platform's rules.")
                )
            }
            if request.action == .suspend { try await self.revocations.revoke(subject) }
        }
    }

    /// Lifts a suspension; false if there is no such user.
    func restore(_ user: UUID, by admin: UUID) async throws -> Bool {
        try await self.database.transaction { connection in
            let logger = self.database.logger
            guard try await UserStore.suspend(user, until: nil, restore: true, on: connection, logger: logger) else { return false }
            try await AuditLog.record(.restore, by: admin, user: user, on: connection, logger: logger)
            return true
        }
    }

    private func deleteMessage(of reportID: UUID, note: String?, by admin: UUID) async throws {
        let filed = try await self.database.withConnection { connection in
            try await connection.query(
                "SELECT conversation_id, message_id FROM reports WHERE id = \(reportID) AND state = 'open'",
                logger: self.database.logger
            ).decode((UUID?, UUID?).self).first { _ in true }
        }
        guard let filed else { throw APIError.notFound("No open report with this id") }
        guard let conversationID = filed.0, let messageID = filed.1 else { throw APIError.validation("This report is of a person, not a message") }
        let outcome = try await self.messages.apply(.delete, to: messageID, in: conversationID, by: admin, rules: self.rules, moderator: true) {
            connection,
            logger in
            guard
                let report = try await ReportStore.resolve(
                    reportID,
                    as: .actioned,
                    action: "delete_message",
                    by: admin,
                    on: connection,
                    logger: logger
                )
            else { throw APIError.notFound("No open report with this id") }
            var detail = ["report": reportID.text(), "conversation": conversationID.text()]
            if let note { detail["note"] = note }
            try await AuditLog.record(
                .deleteMessage,
                by: admin,
                user: report.subject,
                message: messageID,
                detail: detail,
                on: connection,
                logger: logger
            )
        }
        await self.events.changed(outcome)
        await self.events.conversationsChanged([conversationID], in: self.conversations)
    }

    /// An admin's note: a line or a few, bounded like any text.
    static func note(_ value: String?) throws(APIError) -> String? {
        try Validate.optionalText(value, field: "note", maxLength: 1000, multiline: true)
    }
}
