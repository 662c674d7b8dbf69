import ChatModels
import Foundation
import ServiceClients

/// The call events: the gateway says who sends them and from which socket, and hands them
/// to presence, which keeps every call's state and tells everyone concerned.
enum CallEvents {
    /// `call_invite`: the conversation's members as messages tells them to the caller (a
    /// member, or the event was refused before this), less anyone with a block between them
    /// and the caller; a direct conversation with a block is not called at all.
    @Sendable static func invite(_ payload: CallInvitePayload, _ call: EventCall) async throws {
        try call.requireVerifiedEmail()
        let conversation = try await call.context.messages.membership(payload.conversationId, token: call.token)
        guard conversation.closedAt == nil else { throw APIError(.groupClosed, "This group was closed") }
        let blocked = Set(try await call.context.messages.blockRelations(of: call.userID))
        let members = conversation.participants.map(\.id).filter { !blocked.contains($0) }
        if conversation.kind == .direct, members.count < conversation.participants.count {
            throw APIError(.contactNotAllowed, "You cannot call someone you blocked or who blocked you")
        }
        let request = CallInviteRequest(
            callerId: call.userID,
            endpoint: Self.endpoint(call),
            conversationId: conversation.id,
            isGroup: conversation.kind == .group,
            members: members,
            media: payload.media,
            offer: payload.offer
        )
        call.ack(try await call.context.calls.invite(request))
    }

    static func command(_ action: CallCommand.Action) -> ClientEventRouter.Handler<CallRef> {
        { payload, call in
            let command = CallCommand(action: action, userId: call.userID, endpoint: Self.endpoint(call))
            call.ack(try await call.context.calls.command(command, call: payload.callId))
        }
    }

    @Sendable static func signal(_ payload: CallSignal, _ call: EventCall) async throws {
        let command = CallCommand(action: .signal, userId: call.userID, endpoint: Self.endpoint(call), signal: payload)
        _ = try await call.context.calls.command(command, call: payload.callId)
        call.ack(OkAck())
    }

    @Sendable static func media(_ payload: CallMediaPayload, _ call: EventCall) async throws {
        let command = CallCommand(action: .media, userId: call.userID, endpoint: Self.endpoint(call), audio: payload.audio, video: payload.video)
        call.ack(try await call.context.calls.command(command, call: payload.callId))
    }

    private static func endpoint(_ call: EventCall) -> CallEndpoint {
        CallEndpoint(gatewayId: call.context.settings.gatewayID, connectionId: call.connection.engineID)
    }
}
