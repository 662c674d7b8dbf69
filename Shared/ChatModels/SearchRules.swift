/// What a search query must be, checked by the gateway before a socket's search goes
/// further (a 32 KB query once failed as an outage) and by messages for every route.
public enum SearchRules {
    /// The longest query, in characters; `TextRules` bounds its bytes.
    public static let maxQueryLength = 200

    /// Not blank, within `maxQueryLength` and `TextRules`, no NUL.
    public static func query(_ text: String?) throws(APIError) -> String {
        guard let text, !text.isBlank else { throw .validation("'q' must not be empty", field: "q") }
        try TextRules.bounded(text, field: "q", characters: Self.maxQueryLength)
        guard !text.utf8.contains(0) else { throw .validation("'q' must not contain NUL", field: "q") }
        return text
    }
}
