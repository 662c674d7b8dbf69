import ChatModels

/// What is asked of a group, as its role table knows it.
enum GroupAction: Sendable, Equatable {
    /// Rename it, describe it.
    case edit
    case addMembers
    /// Make, list or revoke its invite links.
    case invite
    /// Remove a member who has this role.
    case remove(GroupRole)
    /// Make or unmake an admin, or hand the group over.
    case setRole
}

extension GroupRole {
    /// Whether one of this role may do `action` (the README's role table): the owner and
    /// admins run the group; an admin removes members but not the owner or another admin;
    /// the owner alone makes admins and hands the group over. Leaving is anyone's.
    func check(_ action: GroupAction) throws(APIError) {
        switch (self, action) {
        case (.member, .edit), (.member, .addMembers), (.member, .invite), (.member, .remove):
            throw APIError(.notGroupAdmin, "Only the group's owner and admins do this")
        case (.owner, .remove(.owner)):
            throw APIError.validation("The owner leaves the group, and is not removed from it")
        case (.admin, .remove(.owner)):
            throw APIError(.notGroupOwner, "The owner cannot be removed; they may hand the group over")
        case (.admin, .remove(.admin)):
            throw APIError(.notGroupOwner, "Only the owner removes an admin")
        case (.admin, .setRole), (.member, .setRole):
            throw APIError(.notGroupOwner, "Only the group's owner makes admins and hands the group over")
        case (.owner, _), (.admin, .edit), (.admin, .addMembers), (.admin, .invite), (.admin, .remove(.member)):
            return
        }
    }
}
