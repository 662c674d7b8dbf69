extension StringProtocol {
    /// Whether it is empty or only whitespace and newlines, zero-width space included: what
    /// trimming `.whitespacesAndNewlines` would leave empty, decided at the first visible
    /// character (Foundation's trimming copies the string through `NSString` first).
    public var isBlank: Bool {
        self.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0 == "\u{200B}" }
    }
}
