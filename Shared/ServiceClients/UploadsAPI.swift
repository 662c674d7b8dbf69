/// The routes of the uploads service that the others refer to.
public enum UploadsAPI {
    /// Mounted at `/api/chat`, behind a user's token.
    public static let group = "api/chat"

    /// `GET`: an attachment's bytes, to members of its conversation; every message's
    /// attachments link here.
    public static let download = ServiceRoute(group: group, pattern: "attachments/{id}")
    /// `POST`: a file that becomes an IMAGE or FILE message.
    public static let upload = ServiceRoute(group: group, pattern: "conversations/{id}/upload")

    /// `PUT` an image (PNG, JPEG or WebP, the raw body) → `User`: the caller's picture;
    /// `DELETE` → `User` without one.
    public static let avatar = ServiceRoute(group: "api", pattern: "me/avatar")
    /// `PUT` an image (as `avatar`) → `Conversation`: the group's picture, by its owner or an
    /// admin; `DELETE` → `Conversation` without one.
    public static let groupPicture = ServiceRoute(group: group, pattern: "conversations/{id}/picture")
    /// `GET`: a picture's bytes, to any signed-in user; `{id}` is its SHA-256, so the
    /// response never changes and is cached for good.
    public static let avatarImage = ServiceRoute(group: "api", pattern: "avatars/{id}")

    /// Where clients load the picture with this hash.
    public static func avatarURL(sha256: String) -> String {
        "/api/avatars/\(sha256)"
    }
}
