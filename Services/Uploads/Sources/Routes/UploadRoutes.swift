import Auth
import ChatModels
import EventBus
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceClients
import ServiceKit

/// `POST /api/chat/conversations/{id}/upload`: a file becomes an IMAGE or FILE message
/// through the same durable path as any message.
struct UploadRoutes: Sendable {
    let receiver: UploadReceiver
    let messages: MessagesClient
    let commands: CommandClient

    func register(on api: RouterGroup<ChatRequestContext>) {
        api.post(RouterPath(UploadsAPI.upload.pattern), use: self.upload)
    }

    @Sendable func upload(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let identity = try context.requireIdentity()
        try identity.requireVerifiedEmail()
        let conversationID = try context.parameters.require("id", as: UUID.self)
        // Members only, and before a byte is stored.
        _ = try await self.messages.conversation(conversationID, token: String(try AuthMiddleware.bearerToken(request.headers)))
        let received = try await self.receiver.receive(request)
        let query = request.uri.queryParameters
        let caption = received.fields["content"] ?? received.fields["caption"] ?? query["caption"].map(String.init)
        let clientMessageID =
            try MessageRules.clientMessageID(received.fields["clientMessageId"] ?? query["clientMessageId"].map(String.init))
            ?? "upload-\(UUID().uuidString.lowercased())"
        do {
            let message = try await self.commands.send(
                SendMessageCommand(
                    requestId: UUID().uuidString.lowercased(),
                    senderId: identity.userID,
                    conversationId: conversationID,
                    content: caption.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? received.file.name,
                    messageType: Self.showsInline(received.file) ? .image : .file,
                    clientMessageId: clientMessageID,
                    attachment: received.file
                )
            )
            return JSONResponse(message, status: .created)
        } catch {
            // A retry of the upload with this clientMessageId is stored once.
            throw APIError(routeError: error).resend(as: clientMessageID)
        }
    }

    /// A picture is shown in the conversation unless its header states a size no browser
    /// should be made to decode; one whose header says nothing is sized as it loads.
    static func showsInline(_ file: AttachmentDraft) -> Bool {
        guard file.mimeType.hasPrefix("image/") else { return false }
        guard let width = file.width, let height = file.height else { return true }
        return ImageDimensions(width: width, height: height)?.showsInline ?? false
    }
}
