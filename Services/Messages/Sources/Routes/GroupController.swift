import Auth
import ChatModels
import Foundation
import HTTPTypes
import Hummingbird
import ServiceClients
import ServiceKit

/// A group's members and roles, and its invite links: who may do what is
/// `GroupRole.check` (the README's role table).
struct GroupController: Sendable {
    let users: UserStore
    let conversations: ConversationStore
    let groups: GroupStore
    let blocks: BlockStore
    let events: MessageEvents
    let policy: ContactPolicy

    func register(on chat: RouterGroup<ChatRequestContext>) {
        chat.post(RouterPath(MessagesAPI.members.pattern), use: self.add)
        chat.patch(RouterPath(MessagesAPI.member.pattern), use: self.setRole)
        chat.delete(RouterPath(MessagesAPI.member.pattern), use: self.remove)
        chat.get(RouterPath(MessagesAPI.invites.pattern), use: self.invites)
        chat.post(RouterPath(MessagesAPI.invites.pattern), use: self.createInvite)
        chat.delete(RouterPath(MessagesAPI.invite.pattern), use: self.revokeInvite)
        chat.get(RouterPath(MessagesAPI.invitation.pattern), use: self.preview)
        chat.post(RouterPath(MessagesAPI.acceptInvite.pattern), use: self.join)
    }

    /// Routes for uploads, which stores a group's picture before it is the group's.
    func register(internal service: RouterGroup<ChatRequestContext>) {
        service.put(RouterPath(MessagesAPI.groupPicture.pattern), use: self.setPicture)
    }

    /// `GroupPictureChange` from uploads: the group's picture is the stored file, or none.
    @Sendable func setPicture(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: GroupPictureChange.self, context: context)
        let url = body.picture.map { UploadsAPI.avatarURL(sha256: $0.sha256) }
        if let change = try await self.groups.setPicture(id, storageKey: body.picture?.storageKey, url: url, by: body.actorId) {
            await self.events.groupChanged(change, in: self.conversations)
        }
        return JSONResponse(try await self.conversations.conversation(id, for: body.actorId))
    }

    /// The owner or an admin adds people they may write to (`GroupStore.add`).
    @Sendable func add(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: AddMembersRequest.self, context: context)
        let ids = Array(Set(body.userIds))
        guard !ids.isEmpty, ids.count <= self.groups.maxMembers else {
            throw APIError.validation("'userIds' names from 1 to \(self.groups.maxMembers) users", field: "userIds")
        }
        let added = try await self.users.users(ids: ids)
        guard added.count == ids.count else { throw APIError.validation("Unknown user", field: "userIds") }
        let blocked = !(try await self.blocks.relations(of: identity.userID, among: ids)).isEmpty
        let change = try await self.groups.add(added, to: id, by: identity.userID, policy: self.policy, blocked: blocked)
        await self.events.groupChanged(change, in: self.conversations)
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    /// `role` for the member, by the owner (`owner`: the group is handed over).
    @Sendable func setRole(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let user = try context.parameters.require("userId", as: UUID.self)
        let body = try await request.decodeJSON(as: SetRoleRequest.self, context: context)
        if let change = try await self.groups.setRole(body.role, of: user, in: id, by: identity.userID) {
            await self.events.groupChanged(change, in: self.conversations)
        }
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    /// Removes the member, or with the caller's own id, the caller leaves; the conversation
    /// as the caller now sees it.
    @Sendable func remove(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let user = try context.parameters.require("userId", as: UUID.self)
        let change =
            if user == identity.userID { try await self.groups.leave(id, user: user) } else {
                try await self.groups.remove(user, from: id, by: identity.userID)
            }
        await self.events.groupChanged(change, in: self.conversations)
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    @Sendable func invites(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<[GroupInvite]> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        return JSONResponse(try await self.groups.invites(of: id, for: identity.userID))
    }

    @Sendable func createInvite(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<GroupInvite> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await request.decodeJSON(as: CreateInviteRequest.self, context: context)
        let lifetime = body.expiresInSeconds ?? CreateInviteRequest.defaultLifetime
        guard (60...CreateInviteRequest.longestLifetime).contains(lifetime) else {
            throw APIError.validation("'expiresInSeconds' is from 60 to \(CreateInviteRequest.longestLifetime)", field: "expiresInSeconds")
        }
        if let uses = body.maxUses, !(1...CreateInviteRequest.mostUses).contains(uses) {
            throw APIError.validation("'maxUses' is from 1 to \(CreateInviteRequest.mostUses)", field: "maxUses")
        }
        let invite = try await self.groups.createInvite(in: id, by: identity.userID, lifetime: lifetime, maxUses: body.maxUses)
        return JSONResponse(invite, status: .created)
    }

    @Sendable func revokeInvite(_ request: Request, context: ChatRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id", as: UUID.self)
        let inviteID = try context.parameters.require("inviteId", as: UUID.self)
        try await self.groups.revokeInvite(inviteID, in: id, by: identity.userID)
        return Response(status: .noContent)
    }

    @Sendable func preview(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<InvitePreview> {
        let identity = try context.requireIdentity()
        return JSONResponse(try await self.groups.preview(try Self.token(context), for: identity.userID))
    }

    /// The caller joins by the link; 200 with the group, whether they joined now or were in.
    @Sendable func join(_ request: Request, context: ChatRequestContext) async throws -> JSONResponse<Conversation> {
        let identity = try context.requireIdentity()
        guard let user = try await self.users.user(id: identity.userID) else { throw APIError.invalidToken }
        let (id, change) = try await self.groups.join(try Self.token(context), user: user)
        if let change { await self.events.groupChanged(change, in: self.conversations) }
        return JSONResponse(try await self.conversations.conversation(id, for: identity.userID))
    }

    /// A link's token as made here: 22 characters of base64url (anything else is no link).
    private static func token(_ context: ChatRequestContext) throws -> String {
        let token = try context.parameters.require("token")
        guard Base64URL.isToken(token, length: 22) else {
            throw APIError(.inviteInvalid, "This invite link is unknown, expired, revoked or used up")
        }
        return token
    }
}
