import HTTPTypes

/// Every error code a client may see, each with the HTTP status it comes with and whether
/// the same request may succeed later. One declaration for every surface: REST answers
/// `{"error": {"code", "message"}}` with `status`, socket acks and CONNECT_ERROR carry the
/// code, and the OpenAPI document's `Error.code` lists exactly these (a test holds the two
/// together). A new refusal is a new case here, named for what the client should do about it.
public enum ErrorCode: String, CaseIterable, Codable, Sendable {
    /// 400: the request is not what the route or event takes (not JSON, a field missing or mistyped).
    case badRequest = "bad_request"
    /// 422: a value out of bounds (empty or over-long content, NUL, an unknown participant, …).
    case validationFailed = "validation_failed"
    /// 401: no bearer token.
    case unauthorized
    /// 401: a token that is malformed, forged, expired or revoked.
    case invalidToken = "invalid_token"
    /// 401: a sign-in with the wrong email or password.
    case invalidCredentials = "invalid_credentials"
    /// 403: not the caller's to read or write (not a member).
    case forbidden
    /// 403: sign-up as an expert is closed (`EXPERT_SIGNUP=closed`).
    case expertSignupClosed = "expert_signup_closed"
    /// 403: only its sender may edit or delete a message.
    case notYourMessage = "not_your_message"
    /// 403: SYSTEM messages cannot be changed.
    case systemMessage = "system_message"
    /// 403: the edit window (`MESSAGE_EDIT_WINDOW`) has passed.
    case editWindowPassed = "edit_window_passed"
    /// 403: a socket event that needs the conversation joined first (`typing`).
    case notJoined = "not_joined"
    /// 403: `CONTACT_POLICY` does not let the caller open this conversation (an expert
    /// starting one with a student, a student with students only).
    case contactNotAllowed = "contact_not_allowed"
    /// 403: a message to someone who blocked the sender (or whom the sender blocked), in
    /// their direct conversation; what the block is is not said.
    case notDelivered = "not_delivered"
    /// 403: an admin suspended the account (until a time, or for good); sign-in is refused.
    case accountSuspended = "account_suspended"
    /// 403: only a group's owner and admins do this (rename it, add or remove members).
    case notGroupAdmin = "not_group_admin"
    /// 403: only a group's owner does this (make or unmake admins, remove an admin, hand
    /// the group over).
    case notGroupOwner = "not_group_owner"
    /// 403: only those in the call (on the socket they are in it with) do this.
    case notInCall = "not_in_call"
    /// 404: the user named is not a member of the group.
    case notMember = "not_member"
    /// 404: the invite link is unknown, expired, revoked or used up.
    case inviteInvalid = "invite_invalid"
    /// 404: no such resource, or no such route.
    case notFound = "not_found"
    /// 404: a socket event the server does not know.
    case unknownEvent = "unknown_event"
    /// 405: the route exists, not with this method.
    case methodNotAllowed = "method_not_allowed"
    /// 409: an account with this email exists.
    case emailTaken = "email_taken"
    /// 409: a `clientMessageId` already used in another conversation.
    case clientMessageIdReused = "client_message_id_reused"
    /// 409: the message was deleted.
    case messageDeleted = "message_deleted"
    /// 409: the message carries `MAX_REACTIONS_PER_MESSAGE` different emoji already.
    case tooManyReactions = "too_many_reactions"
    /// 409: the user named is in the group already.
    case alreadyMember = "already_member"
    /// 409: the group has as many members as a group may have (`GROUP_MAX_MEMBERS`).
    case groupFull = "group_full"
    /// 409: the group was closed (its last member left); nothing changes in it any more.
    case groupClosed = "group_closed"
    /// 409: the person called, the caller or the conversation is in a call already.
    case busy
    /// 409: the call has as many people as a call may have (`CALL_MAX_PARTICIPANTS`).
    case callFull = "call_full"
    /// 409: the call is over, or was answered or declined on another device.
    case callOver = "call_over"
    /// 413: the body, file or picture is over its limit.
    case payloadTooLarge = "payload_too_large"
    /// 415: a profile picture that is not a PNG, JPEG or WebP image.
    case unsupportedImage = "unsupported_image"
    /// 416: a `Range` outside the file.
    case rangeNotSatisfiable = "range_not_satisfiable"
    /// 429: past an allowance (requests, events, sign-ins, new conversations); see `Retry-After`.
    case rateLimited = "rate_limited"
    /// 429: a socket has joined `SOCKET_MAX_ROOMS` conversations; leave one first.
    case tooManyRooms = "too_many_rooms"
    /// 429, at CONNECT: the user holds `SOCKET_MAX_PER_USER` (or `…_TOTAL`) connections.
    case tooManyConnections = "too_many_connections"
    /// 500: a fault on the server's side; its details are in the log, never in the answer.
    case `internal`
    /// 502: the service behind the gateway closed the connection.
    case badGateway = "bad_gateway"
    /// 502: the service behind the gateway answered with more than the gateway relays.
    case upstreamTooLarge = "upstream_too_large"
    /// 503: a dependency (Redis, Postgres, another service) is down or busy.
    case unavailable
    /// 503: the service behind the gateway cannot be reached.
    case upstreamUnavailable = "upstream_unavailable"
    /// 504: a sent message was not confirmed in time; send it again with the same `clientMessageId`.
    case timeout
    /// 504: the service behind the gateway did not answer in time.
    case upstreamTimeout = "upstream_timeout"
    /// 403: a request that a session cookie would authorize came from another site's page
    /// (its `Origin` is not this deployment's).
    case crossOrigin = "cross_origin"
    /// 404: a link from a mail (a password reset) that is unknown, expired, used or replaced.
    case linkInvalid = "link_invalid"
    /// 403: the account's email address is not confirmed yet (`EMAIL_VERIFICATION=required`).
    case emailUnverified = "email_unverified"

    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .validationFailed: .unprocessableContent
        case .unauthorized, .invalidToken, .invalidCredentials: .unauthorized
        case .forbidden, .expertSignupClosed, .notYourMessage, .systemMessage, .editWindowPassed, .notJoined, .contactNotAllowed, .notDelivered,
            .accountSuspended, .notGroupAdmin, .notGroupOwner, .notInCall, .crossOrigin, .emailUnverified:
            .forbidden
        case .notFound, .unknownEvent, .notMember, .inviteInvalid, .linkInvalid: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .emailTaken, .clientMessageIdReused, .messageDeleted, .tooManyReactions, .alreadyMember, .groupFull, .groupClosed, .busy, .callFull,
            .callOver:
            .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedImage: .unsupportedMediaType
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .rateLimited, .tooManyRooms, .tooManyConnections: .tooManyRequests
        case .internal: .internalServerError
        case .badGateway, .upstreamTooLarge: .badGateway
        case .unavailable, .upstreamUnavailable: .serviceUnavailable
        case .timeout, .upstreamTimeout: .gatewayTimeout
        }
    }

    /// Whether the same request may succeed later: the dependency was down or the allowance
    /// spent, not the request wrong.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .badGateway, .unavailable, .upstreamUnavailable, .timeout, .upstreamTimeout: true
        default: false
        }
    }
}
