import Auth
import ChatModels
import Foundation
import Hummingbird
import ServiceClients
import ServiceKit

/// `POST /api/reports`: anyone reports a message of a conversation they are in, or a
/// person, with a reason; told it is in (201 with its id). Bounded per reporter an hour.
struct ReportsController: Sendable {
    let reports: ReportStore
    let users: UserStore

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.post(RouterPath(MessagesAPI.reports.pattern), use: self.file)
    }

    @Sendable func file(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<ReportReceipt> {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(as: ReportRequest.self, context: context)
        let messageID = body.messageId.map(MessageIDs.stored)
        let text = try Validate.optionalText(body.text, field: "text", maxLength: 1000, multiline: true)
        if body.reason == .other && text == nil { throw APIError.validation("Say what is wrong in 'text'", field: "text") }
        let subject: UUID
        switch (messageID, body.conversationId, body.userId) {
        case (let messageID?, let conversationID?, nil):
            subject = try await self.reports.sender(of: messageID, in: conversationID, reportedBy: identity.userID)
        case (nil, nil, let userID?):
            guard userID != identity.userID else { throw APIError.validation("You cannot report yourself") }
            guard try await self.users.user(id: userID) != nil else { throw APIError.notFound("No such user") }
            subject = userID
        default:
            throw APIError.validation("Give 'messageId' with its 'conversationId', or 'userId'")
        }
        let receipt = try await self.reports.file(
            by: identity.userID,
            subject: subject,
            conversationID: messageID == nil ? nil : body.conversationId,
            messageID: messageID,
            reason: body.reason,
            text: text
        )
        return JSONResponse(receipt, status: .created)
    }
}
