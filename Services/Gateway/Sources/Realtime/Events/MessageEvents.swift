import ChatModels
import EventBus
import Foundation
import JSONKit
import NIOCore

/// Sending and changing messages: each goes down the durable command stream, and its ack
/// is the stored message, sent when the store replies (off the line, so a slow store does
/// not hold up the connection's next event).
enum MessageEvents {
    /// `send_message`, its payload already found within bounds (so nothing a store would
    /// refuse takes space in Redis).
    @Sendable static func send(_ payload: SendMessagePayload, _ call: EventCall) async throws {
        try call.requireVerifiedEmail()
        let clientMessageID = payload.clientMessageId ?? "gw-" + UUID.random().text()
        let command = SendMessageCommand(
            requestId: UUID.random().text(),
            senderId: call.userID,
            conversationId: payload.conversationId,
            content: payload.content,
            messageType: .text,
            clientMessageId: clientMessageID,
            replyTo: payload.replyTo
        )
        // A failure names the clientMessageId to resend with (made up here if the client gave none).
        try await Self.submit(command, call) { $0.resend(as: clientMessageID) }
    }

    @Sendable static func edit(_ payload: EditMessagePayload, _ call: EventCall) async throws {
        try await Self.change(.edit, of: payload.messageId, in: payload.conversationId, content: payload.content, call)
    }

    @Sendable static func delete(_ payload: MessageRef, _ call: EventCall) async throws {
        try await Self.change(.delete, of: payload.messageId, in: payload.conversationId, call)
    }

    static func react(_ payload: ReactionPayload, _ call: EventCall, adding: Bool) async throws {
        try await Self.change(adding ? .react : .unreact, of: payload.messageId, in: payload.conversationId, emoji: payload.emoji, call)
    }

    /// An edit, a delete or a reaction down the durable stream.
    private static func change(
        _ change: MessageChangeCommand.Change,
        of messageID: UUID,
        in conversationID: UUID,
        content: String? = nil,
        emoji: String? = nil,
        _ call: EventCall
    ) async throws {
        let command = MessageChangeCommand(
            requestId: UUID.random().text(),
            userId: call.userID,
            conversationId: conversationID,
            messageId: messageID,
            change: change,
            content: content,
            emoji: emoji
        )
        try await Self.submit(command, call)
    }

    /// Appends the command to the stream; its reply is awaited off the line and acked with
    /// the message it names. `failed` adds what a failure should say.
    private static func submit(
        _ command: some StreamCommand,
        _ call: EventCall,
        failed: @escaping @Sendable (APIError) -> APIError = { $0 }
    ) async throws {
        do {
            try await call.context.commands.submit(command).whenComplete { [connection = call.connection, ackID = call.ackID] reply in
                do {
                    connection.ack(ackID, json: MessageAck.json(message: try reply.get().messageJSON()))
                } catch {
                    connection.ack(ackID, error: failed(APIError(error)))
                }
            }
        } catch {
            throw failed(APIError(error))
        }
    }
}

extension MessageAck {
    /// `MessageAck`'s JSON around a stored message's JSON as the store sent it.
    static func json(message: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(message.readableBytes + 24)
        buffer.writeStaticString(#"{"ok":true,"message":"#)
        buffer.writeImmutableBuffer(message)
        buffer.writeStaticString("}")
        return buffer
    }
}
