/// The routes of the uploads service that the others refer to.
public enum UploadsAPI {
    /// Mounted at `/api/chat`, behind a user's token.
    public static let group = "api/chat"

    /// `GET`: an attachment's bytes, to members of its conversation; every message's
    /// attachments link here.
    public static let download = ServiceRoute(group: group, pattern: "attachments/{id}")
    /// `POST`: a file that becomes an IMAGE or FILE message.
    public static let upload = ServiceRoute(group: group, pattern: "conversations/{id}/upload")
}
