import Foundation
import JSONKit

/// `GET /api/calls/ice-servers`: what a browser passes to `RTCPeerConnection` as its
/// `iceServers`, good until `expiresAt` (ask again before a call that starts later).
public struct IceServers: Codable, Sendable, Hashable {
    public var iceServers: [IceServer]
    public var expiresAt: Date?

    public init(iceServers: [IceServer], expiresAt: Date?) {
        self.iceServers = iceServers
        self.expiresAt = expiresAt
    }
}

/// One entry of `RTCConfiguration.iceServers`: STUN URLs alone, or TURN URLs with the
/// credential that opens them.
public struct IceServer: Codable, Sendable, Hashable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}

/// What a call carries.
public enum CallMedia: String, Codable, Sendable, Hashable {
    case audio, video
}

/// Where a call is in its life.
public enum CallStatus: String, Codable, Sendable, Hashable {
    /// Invited; nobody has answered yet.
    case ringing
    /// Someone answered; media may flow.
    case active
    case ended
}

/// Where one person is in a call.
public enum CallPartyState: String, Codable, Sendable, Hashable {
    /// Their devices ring.
    case ringing
    /// In the call, on one socket.
    case joined
    case declined
    /// The ringing ended with no answer from them.
    case missed
    /// In another call when this one rang (groups: the others still ring).
    case busy
    /// Was in the call and is no longer.
    case left
}

/// Why a call ended.
public enum CallEndReason: String, Codable, Sendable, Hashable {
    /// The caller hung up before anyone answered.
    case cancelled
    /// Everyone invited declined.
    case declined
    /// Nobody answered within `CALL_RING_TIMEOUT`.
    case missed
    /// Answered, then hung up.
    case completed
    /// A party's socket was gone past `CALL_RECONNECT_GRACE`.
    case disconnected
}

/// One person in a call, as everyone in it sees them.
public struct CallParticipant: Codable, Sendable, Hashable {
    public var userId: UUID
    public var state: CallPartyState
    /// Their microphone is on.
    public var audio: Bool
    /// Their camera is on.
    public var video: Bool

    public init(userId: UUID, state: CallPartyState, audio: Bool = true, video: Bool = false) {
        self.userId = userId
        self.state = state
        self.audio = audio
        self.video = video
    }
}

/// A call: the `call_state` event, and what the call events' acks carry.
public struct CallInfo: Codable, Sendable, Hashable {
    public var id: UUID
    public var conversationId: UUID
    public var media: CallMedia
    public var status: CallStatus
    public var callerId: UUID
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var endReason: CallEndReason?
    /// The caller first.
    public var participants: [CallParticipant]

    public init(
        id: UUID,
        conversationId: UUID,
        media: CallMedia,
        status: CallStatus,
        callerId: UUID,
        startedAt: Date,
        answeredAt: Date? = nil,
        endedAt: Date? = nil,
        endReason: CallEndReason? = nil,
        participants: [CallParticipant]
    ) {
        self.id = id
        self.conversationId = conversationId
        self.media = media
        self.status = status
        self.callerId = callerId
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.participants = participants
    }
}

/// An SDP offer or answer (`RTCSessionDescriptionInit`).
public struct SessionDescription: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case offer, answer }
    public var type: Kind
    public var sdp: String

    public init(type: Kind, sdp: String) {
        self.type = type
        self.sdp = sdp
    }
}

/// An ICE candidate (`RTCIceCandidateInit`).
public struct IceCandidate: Codable, Sendable, Hashable {
    public var candidate: String
    public var sdpMid: String?
    public var sdpMLineIndex: Int?
    public var usernameFragment: String?

    public init(candidate: String, sdpMid: String? = nil, sdpMLineIndex: Int? = nil, usernameFragment: String? = nil) {
        self.candidate = candidate
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self.usernameFragment = usernameFragment
    }
}

/// `call_invite`: call the conversation's other members. A direct call's invite carries the
/// caller's offer (given to whoever answers); in a group each joiner makes offers to those
/// already in.
public struct CallInvitePayload: Codable, Sendable {
    public var conversationId: UUID
    public var media: CallMedia
    public var offer: SessionDescription?

    public init(conversationId: UUID, media: CallMedia, offer: SessionDescription? = nil) {
        self.conversationId = conversationId
        self.media = media
        self.offer = offer
    }
}

/// `call_answer`, `call_decline`, `call_end`, `call_resume`: one call by its id.
public struct CallRef: Codable, Sendable {
    public var callId: UUID

    public init(callId: UUID) { self.callId = callId }
}

/// `call_signal`, both ways: an SDP description or an ICE candidate for one other person in
/// the call. Sent with `to`; received with `from`.
public struct CallSignal: Codable, Sendable, Hashable {
    public var callId: UUID
    public var to: UUID?
    public var from: UUID?
    public var description: SessionDescription?
    public var candidate: IceCandidate?

    public init(callId: UUID, to: UUID? = nil, from: UUID? = nil, description: SessionDescription? = nil, candidate: IceCandidate? = nil) {
        self.callId = callId
        self.to = to
        self.from = from
        self.description = description
        self.candidate = candidate
    }
}

/// `call_media`: the sender's microphone and camera, for the others to show.
public struct CallMediaPayload: Codable, Sendable {
    public var callId: UUID
    public var audio: Bool
    public var video: Bool

    public init(callId: UUID, audio: Bool, video: Bool) {
        self.callId = callId
        self.audio = audio
        self.video = video
    }
}

/// The call events' ack: the call as it stands, and for one who answers a direct call, the
/// caller's offer to answer.
public struct CallAck: Codable, Sendable {
    public var ok = true
    public var call: CallInfo
    public var offer: SessionDescription?

    public init(call: CallInfo, offer: SessionDescription? = nil) {
        self.call = call
        self.offer = offer
    }
}

/// The bounds of what the call events carry.
public enum CallRules {
    /// An SDP description's most bytes: a video offer with every codec is under 10 KB.
    public static let maxSDPBytes = 16 * 1024
    /// An ICE candidate line's most bytes.
    public static let maxCandidateBytes = 1024
    /// `sdpMid` and `usernameFragment`'s most bytes.
    public static let maxTokenBytes = 256

    static func check(_ description: SessionDescription?) throws(APIError) {
        guard let description else { return }
        guard !description.sdp.isEmpty, description.sdp.utf8.count <= Self.maxSDPBytes else {
            throw .validation("An SDP description is 1 to \(Self.maxSDPBytes) bytes", field: "sdp")
        }
    }

    static func check(_ candidate: IceCandidate?) throws(APIError) {
        guard let candidate else { return }
        guard candidate.candidate.utf8.count <= Self.maxCandidateBytes else {
            throw .validation("An ICE candidate is at most \(Self.maxCandidateBytes) bytes", field: "candidate")
        }
        guard (candidate.sdpMid?.utf8.count ?? 0) <= Self.maxTokenBytes, (candidate.usernameFragment?.utf8.count ?? 0) <= Self.maxTokenBytes,
            (0...64).contains(candidate.sdpMLineIndex ?? 0)
        else { throw .validation("The candidate's sdpMid, sdpMLineIndex or usernameFragment is out of bounds", field: "candidate") }
    }
}

extension CallInvitePayload: EventPayload, ConversationScoped {
    public func validate(_ limits: EventLimits) throws(APIError) {
        if let offer = self.offer, offer.type != .offer { throw .validation("An invite carries an offer", field: "offer") }
        try CallRules.check(self.offer)
    }
}
extension CallRef: EventPayload {}
extension CallMediaPayload: EventPayload {}
extension CallSignal: EventPayload {
    public func validate(_ limits: EventLimits) throws(APIError) {
        guard self.to != nil else { throw .validation("Say whom the signal is for", field: "to") }
        guard (self.description == nil) != (self.candidate == nil) else {
            throw .validation("A signal carries a description or a candidate", field: "description")
        }
        try CallRules.check(self.description)
        try CallRules.check(self.candidate)
    }
}
