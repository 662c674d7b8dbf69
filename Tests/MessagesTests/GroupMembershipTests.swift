import ChatModels
import ChatTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MessagesApp
import MessagesTestSupport
import Testing

/// A group's members come and go: who may add, remove, promote and hand over (the role
/// table), what each reads (from their joining, through their leaving), invite links, the
/// size bound, and changes that race.
@Suite struct GroupMembershipTests {
    private static func path(_ group: Conversation, _ rest: String = "") -> String {
        "/api/chat/conversations/\(group.id)\(rest)"
    }

    private static func history(_ client: any TestClientProtocol, _ group: Conversation, _ account: Account) async throws -> [Message] {
        try await client.call(.get, Self.path(group, "/messages"), token: account.token).decode(MessagePage.self).messages
    }

    @Test func membersReadFromTheirJoiningThroughTheirLeaving() async throws {
        try await withMessages(.router) { client in
            let owner = try await client.register("Gia")
            let expert = try await client.register("Ida", role: .expert)
            let classmate = try await client.register("Hal")
            let group = try await client.open(owner, with: [expert], title: "Study")
            #expect(try await client.send(owner, "before Hal came", in: group.id).status == .created)

            let added = try await client.call(
                .post,
                Self.path(group, "/members"),
                token: owner.token,
                json: AddMembersRequest(userIds: [classmate.user.id])
            )
            #expect(added.status == .ok)
            #expect(try added.decode(Conversation.self).roles?.contains(MemberRole(userId: classmate.user.id, role: .member)) == true)
            let seen = try await Self.history(client, group, classmate)
            #expect(seen.map(\.content) == ["Gia added Hal"])
            let again = try await client.call(
                .post,
                Self.path(group, "/members"),
                token: owner.token,
                json: AddMembersRequest(userIds: [classmate.user.id])
            )
            #expect(again.status == .conflict && again.errorCode == .alreadyMember)

            // A member does not run the group; the owner makes an admin, who removes a member.
            let byMember = try await client.call(.delete, Self.path(group, "/members/\(expert.user.id)"), token: classmate.token)
            #expect(byMember.status == .forbidden && byMember.errorCode == .notGroupAdmin)
            let promoted = try await client.call(
                .patch,
                Self.path(group, "/members/\(expert.user.id)"),
                token: owner.token,
                json: SetRoleRequest(role: .admin)
            )
            #expect(try promoted.decode(Conversation.self).roles?.contains(MemberRole(userId: expert.user.id, role: .admin)) == true)
            let byAdmin = try await client.call(
                .patch,
                Self.path(group, "/members/\(classmate.user.id)"),
                token: expert.token,
                json: SetRoleRequest(role: .admin)
            )
            #expect(byAdmin.status == .forbidden && byAdmin.errorCode == .notGroupOwner)
            let ownerOut = try await client.call(.delete, Self.path(group, "/members/\(owner.user.id)"), token: expert.token)
            #expect(ownerOut.status == .forbidden && ownerOut.errorCode == .notGroupOwner)

            let removed = try await client.call(.delete, Self.path(group, "/members/\(classmate.user.id)"), token: expert.token)
            #expect(removed.status == .ok)
            #expect(try removed.decode(Conversation.self).participants.map(\.id).contains(classmate.user.id) == false)
            #expect(try await client.send(owner, "after Hal left", in: group.id).status == .created)
            let kept = try await Self.history(client, group, classmate)
            #expect(kept.map(\.content) == ["Gia added Hal", "Gia made Ida an admin", "Ida removed Hal"])
            let theirs = try await client.call(.get, Self.path(group), token: classmate.token).decode(Conversation.self)
            #expect(theirs.departure?.reason == .removed && theirs.departure?.seq == kept.last?.seq && theirs.lastSeq == kept.last?.seq)
            #expect(theirs.lastMessage?.content == "Ida removed Hal")
            let list = try await client.call(.get, "/api/chat/conversations", token: classmate.token).decode([Conversation].self)
            #expect(list.first { $0.id == group.id }?.departure?.reason == .removed)
            let changes = try await client.call(.get, Self.path(group, "/changes?after=0"), token: classmate.token).decode(ChangePage.self)
            #expect(changes.messages.map(\.content) == kept.map(\.content))
            let write = try await client.send(classmate, "let me back", in: group.id)
            #expect(write.status == .forbidden)
            let read = try await client.call(.post, Self.path(group, "/read"), token: classmate.token, json: MarkReadRequest(seq: 1))
            #expect(read.status == .forbidden)
            let notIn = try await client.call(.delete, Self.path(group, "/members/\(classmate.user.id)"), token: owner.token)
            #expect(notIn.status == .notFound && notIn.errorCode == .notMember)
            // Those still in see the one removed among the group's former members (their old messages keep a name).
            let ownerView = try await client.call(.get, Self.path(group), token: owner.token).decode(Conversation.self)
            #expect(ownerView.formerParticipants?.map(\.id) == [classmate.user.id] && ownerView.departure == nil)

            // Added again, they read from now on, not their old part.
            _ = try await client.call(.post, Self.path(group, "/members"), token: owner.token, json: AddMembersRequest(userIds: [classmate.user.id]))
            #expect(try await Self.history(client, group, classmate).map(\.content) == ["Gia added Hal"])
            #expect(try await client.call(.get, Self.path(group), token: classmate.token).decode(Conversation.self).departure == nil)
        }
    }

    @Test func theOwnerHandsOverAndTheLastOneOutClosesTheGroup() async throws {
        try await withMessages(.router) { client in
            let owner = try await client.register("Gus")
            let expert = try await client.register("Ivy", role: .expert)
            let member = try await client.register("Kit")
            let admin = try await client.register("Lea", role: .expert)
            let group = try await client.open(owner, with: [expert, member, admin], title: "Chemistry")
            _ = try await client.call(.patch, Self.path(group, "/members/\(admin.user.id)"), token: owner.token, json: SetRoleRequest(role: .admin))
            let selfDemoted = try await client.call(
                .patch,
                Self.path(group, "/members/\(owner.user.id)"),
                token: owner.token,
                json: SetRoleRequest(role: .member)
            )
            #expect(selfDemoted.status == .unprocessableContent)

            // The owner leaves: the longest-standing admin owns the group (not the longer-standing member).
            let left = try await client.call(.delete, Self.path(group, "/members/\(owner.user.id)"), token: owner.token)
            #expect(try left.decode(Conversation.self).departure?.reason == .left)
            let now = try await client.call(.get, Self.path(group), token: member.token).decode(Conversation.self)
            #expect(now.roles?.first { $0.role == .owner }?.userId == admin.user.id)
            #expect(now.lastMessage?.content == "Gus left; Lea now owns the group")

            // Handing over: the new owner, the old one an admin.
            let handed = try await client.call(
                .patch,
                Self.path(group, "/members/\(member.user.id)"),
                token: admin.token,
                json: SetRoleRequest(role: .owner)
            )
            let roles = Set(try handed.decode(Conversation.self).roles ?? [])
            #expect(
                roles == [
                    MemberRole(userId: member.user.id, role: .owner), MemberRole(userId: admin.user.id, role: .admin),
                    MemberRole(userId: expert.user.id, role: .member),
                ]
            )
            let invite = try await client.call(.post, Self.path(group, "/invites"), token: member.token, json: CreateInviteRequest())
                .decode(GroupInvite.self)
            for account in [admin, expert, member] {
                #expect(try await client.call(.delete, Self.path(group, "/members/\(account.user.id)"), token: account.token).status == .ok)
            }
            let closed = try await client.call(.get, Self.path(group), token: member.token).decode(Conversation.self)
            #expect(closed.closedAt != nil && closed.departure?.reason == .left)
            let reopen = try await client.call(.post, Self.path(group, "/invites"), token: member.token, json: CreateInviteRequest())
            #expect(reopen.status == .forbidden)
            // A link made before it closed no longer works.
            let late = try await client.register("Moe")
            #expect(try await client.call(.post, "/api/chat/invites/\(invite.token)/join", token: late.token).errorCode == .inviteInvalid)
        }
    }

    @Test func inviteLinksBringPeopleInUntilTheyStopWorking() async throws {
        try await withMessages(.router) { client in
            let owner = try await client.register("Mia")
            let expert = try await client.register("Ned", role: .expert)
            let first = try await client.register("Oli")
            let second = try await client.register("Pam")
            let group = try await client.open(owner, with: [expert], title: "Physics")

            let byMember = try await client.call(.post, Self.path(group, "/invites"), token: expert.token, json: CreateInviteRequest())
            #expect(byMember.status == .forbidden && byMember.errorCode == .notGroupAdmin)
            let tooLong = try await client.call(
                .post,
                Self.path(group, "/invites"),
                token: owner.token,
                json: CreateInviteRequest(expiresInSeconds: 10 << 20)
            )
            #expect(tooLong.status == .unprocessableContent)
            let made = try await client.call(.post, Self.path(group, "/invites"), token: owner.token, json: CreateInviteRequest(maxUses: 1))
            #expect(made.status == .created)
            let invite = try made.decode(GroupInvite.self)
            #expect(invite.path == "/chat/join/\(invite.token)" && invite.token.count == 22 && invite.maxUses == 1)
            #expect(try await client.call(.get, Self.path(group, "/invites"), token: owner.token).decode([GroupInvite].self).map(\.id) == [invite.id])

            let preview = try await client.call(.get, "/api/chat/invites/\(invite.token)", token: first.token).decode(InvitePreview.self)
            #expect(preview.title == "Physics" && preview.memberCount == 2 && !preview.isMember)
            let joined = try await client.call(.post, "/api/chat/invites/\(invite.token)/join", token: first.token)
            #expect(joined.status == .ok)
            #expect(try joined.decode(Conversation.self).roles?.contains(MemberRole(userId: first.user.id, role: .member)) == true)
            #expect(try await Self.history(client, group, first).map(\.content) == ["Oli joined with an invite link"])

            // Used up; a revoked one and a made-up one do not work either.
            let usedUp = try await client.call(.post, "/api/chat/invites/\(invite.token)/join", token: second.token)
            #expect(usedUp.status == .notFound && usedUp.errorCode == .inviteInvalid)
            let other = try await client.call(.post, Self.path(group, "/invites"), token: owner.token, json: CreateInviteRequest()).decode(
                GroupInvite.self
            )
            #expect(try await client.call(.delete, Self.path(group, "/invites/\(other.id)"), token: owner.token).status == .noContent)
            #expect(try await client.call(.post, "/api/chat/invites/\(other.token)/join", token: second.token).errorCode == .inviteInvalid)
            #expect(try await client.call(.get, "/api/chat/invites/not-a-token", token: second.token).errorCode == .inviteInvalid)
            #expect(try await client.call(.get, "/api/chat/invites/\(String(repeating: "A", count: 22))", token: second.token).status == .notFound)
            #expect(try await client.call(.get, "/api/chat/invites/\(other.token)").status == .unauthorized)

            let direct = try await client.open(first, with: [expert])
            let directInvite = try await client.call(
                .post,
                "/api/chat/conversations/\(direct.id)/invites",
                token: first.token,
                json: CreateInviteRequest()
            )
            #expect(directInvite.status == .unprocessableContent)
            let directAdd = try await client.call(
                .post,
                "/api/chat/conversations/\(direct.id)/members",
                token: first.token,
                json: AddMembersRequest(userIds: [second.user.id])
            )
            #expect(directAdd.status == .unprocessableContent)
        }
    }

    @Test func theContactPolicyAndTheSizeBoundHoldWhenAdding() async throws {
        var configuration = try TestEnvironment.messages()
        configuration.limits.maxGroupMembers = 3
        try await withMessages(.router, configuration: configuration) { client in
            let student = try await client.register("Quin")
            let expert = try await client.register("Rae", role: .expert)
            let classmate = try await client.register("Sam")
            let another = try await client.register("Tia")
            let group = try await client.open(student, with: [expert], title: "Biology")
            _ = try await client.call(
                .patch,
                Self.path(group, "/members/\(expert.user.id)"),
                token: student.token,
                json: SetRoleRequest(role: .admin)
            )
            // An expert does not bring a student in (a link does); a student brings a classmate into a group with an expert.
            let byExpert = try await client.call(
                .post,
                Self.path(group, "/members"),
                token: expert.token,
                json: AddMembersRequest(userIds: [classmate.user.id])
            )
            #expect(byExpert.status == .forbidden && byExpert.errorCode == .contactNotAllowed)
            #expect(
                try await client.call(
                    .post,
                    Self.path(group, "/members"),
                    token: student.token,
                    json: AddMembersRequest(userIds: [classmate.user.id])
                ).status == .ok
            )
            let full = try await client.call(
                .post,
                Self.path(group, "/members"),
                token: student.token,
                json: AddMembersRequest(userIds: [another.user.id])
            )
            #expect(full.status == .conflict && full.errorCode == .groupFull)
            let unknown = try await client.call(.post, Self.path(group, "/members"), token: student.token, json: AddMembersRequest(userIds: [UUID()]))
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test func changesThatRaceEndInOneState() async throws {
        try await withMessages(.router) { client in
            let owner = try await client.register("Uma")
            let first = try await client.register("Val", role: .expert)
            let second = try await client.register("Wes", role: .expert)
            let newcomer = try await client.register("Xia", role: .expert)
            let group = try await client.open(owner, with: [first, second], title: "Race")
            for admin in [first, second] {
                _ = try await client.call(
                    .patch,
                    Self.path(group, "/members/\(admin.user.id)"),
                    token: owner.token,
                    json: SetRoleRequest(role: .admin)
                )
            }
            // Two admins removing each other at once: an admin removes members only, so both
            // are refused, and both stay admins.
            async let one = client.call(.delete, Self.path(group, "/members/\(second.user.id)"), token: first.token)
            async let other = client.call(.delete, Self.path(group, "/members/\(first.user.id)"), token: second.token)
            let (oneRemoval, otherRemoval) = try await (one, other)
            #expect(oneRemoval.errorCode == .notGroupOwner && otherRemoval.errorCode == .notGroupOwner)
            // The owner removes an admin while that admin removes a member: whichever comes
            // first, the group ends with the admin out and the member in or out, never half.
            async let ownerRemoval = client.call(.delete, Self.path(group, "/members/\(first.user.id)"), token: owner.token)
            async let adminDemotes = client.call(
                .patch,
                Self.path(group, "/members/\(second.user.id)"),
                token: first.token,
                json: SetRoleRequest(role: .member)
            )
            let (removedAdmin, refused) = try await (ownerRemoval, adminDemotes)
            #expect(removedAdmin.status == .ok && refused.status == .forbidden)
            let roles = try await client.call(.get, Self.path(group), token: owner.token).decode(Conversation.self).roles ?? []
            #expect(Set(roles.map(\.userId)) == [owner.user.id, second.user.id])

            // The same member added twice at once: once in, once 409.
            async let a = client.call(.post, Self.path(group, "/members"), token: owner.token, json: AddMembersRequest(userIds: [newcomer.user.id]))
            async let b = client.call(.post, Self.path(group, "/members"), token: owner.token, json: AddMembersRequest(userIds: [newcomer.user.id]))
            let statuses = try await [a.status, b.status].sorted { $0.code < $1.code }
            #expect(statuses == [.ok, .conflict])

            // The owner leaves while handing the group over: one owner after, and they are out.
            async let leave = client.call(.delete, Self.path(group, "/members/\(owner.user.id)"), token: owner.token)
            async let hand = client.call(
                .patch,
                Self.path(group, "/members/\(second.user.id)"),
                token: owner.token,
                json: SetRoleRequest(role: .owner)
            )
            _ = try await (leave, hand)
            let after = try await client.call(.get, Self.path(group), token: second.token).decode(Conversation.self)
            #expect(after.roles?.filter { $0.role == .owner }.count == 1)
            #expect(!after.participants.map(\.id).contains(owner.user.id))
            let messages = try await Self.history(client, group, second).filter { $0.messageType == .system }
            #expect(messages.filter { $0.content == "Uma added Xia" }.count == 1)
        }
    }
}
