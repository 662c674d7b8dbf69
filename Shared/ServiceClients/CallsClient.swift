import AsyncHTTPClient
import ChatModels
import Foundation
import JSONKit
import NIOHTTP1

/// The one socket a party is in a call with: the gateway that holds it and its connection id.
public struct CallEndpoint: Codable, Sendable, Hashable {
    public var gatewayId: String
    public var connectionId: String

    public init(gatewayId: String, connectionId: String) {
        self.gatewayId = gatewayId
        self.connectionId = connectionId
    }
}

/// A call invite as the gateway hands it to presence, the members already looked up with
/// the caller's token (so messages decided the caller may call there).
public struct CallInviteRequest: Codable, Sendable {
    public var callerId: UUID
    public var endpoint: CallEndpoint
    public var conversationId: UUID
    public var isGroup: Bool
    /// Everyone in the conversation now, the caller included.
    public var members: [UUID]
    public var media: CallMedia
    public var offer: SessionDescription?

    public init(
        callerId: UUID,
        endpoint: CallEndpoint,
        conversationId: UUID,
        isGroup: Bool,
        members: [UUID],
        media: CallMedia,
        offer: SessionDescription?
    ) {
        self.callerId = callerId
        self.endpoint = endpoint
        self.conversationId = conversationId
        self.isGroup = isGroup
        self.members = members
        self.media = media
        self.offer = offer
    }
}

/// What a party does in a call, from one of their sockets.
public struct CallCommand: Codable, Sendable {
    public enum Action: String, Codable, Sendable {
        case answer, decline, end, resume, signal, media
    }

    public var action: Action
    public var userId: UUID
    public var endpoint: CallEndpoint
    public var signal: CallSignal?
    public var audio: Bool?
    public var video: Bool?

    public init(action: Action, userId: UUID, endpoint: CallEndpoint, signal: CallSignal? = nil, audio: Bool? = nil, video: Bool? = nil) {
        self.action = action
        self.userId = userId
        self.endpoint = endpoint
        self.signal = signal
        self.audio = audio
        self.video = video
    }
}

/// Calls to presence, which keeps every call's state: on its internal routes, with this
/// service's own token.
public struct CallsClient: Sendable {
    private let caller: ServiceCaller
    private let serviceToken: @Sendable () async throws -> String

    public init(client: HTTPClient, endpoint: ServiceEndpoint, serviceToken: @escaping @Sendable () async throws -> String) {
        self.caller = ServiceCaller(client: client, endpoint: endpoint, service: "presence")
        self.serviceToken = serviceToken
    }

    public func invite(_ request: CallInviteRequest) async throws -> CallAck {
        try await self.caller.call(.POST, PresenceAPI.calls.path(), token: try await self.serviceToken(), body: request)
    }

    public func command(_ command: CallCommand, call: UUID) async throws -> CallAck {
        try await self.caller.call(.POST, PresenceAPI.call.path(call), token: try await self.serviceToken(), body: command)
    }
}
