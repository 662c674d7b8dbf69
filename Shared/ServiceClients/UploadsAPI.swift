/// The routes of the uploads service that the others refer to.
public enum UploadsAPI {
    /// `GET`: an attachment's bytes, to members of its conversation; every message's
    /// attachments link here.
    public static let download = ServiceRoute(group: "api/chat", pattern: "attachments/{id}")
    /// `POST`: a file that becomes an IMAGE or FILE message.
    public static let upload = ServiceRoute(group: "api/chat", pattern: "conversations/{id}/upload")
}
