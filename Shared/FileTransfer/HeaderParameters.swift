import Foundation

/// Parameters of a header such as `Content-Type` or `Content-Disposition`: `value; a=b; c="d; e"`.
public enum HeaderParameters {
    public static func parse(_ header: String) -> [String: String] {
        var parameters: [String: String] = [:]
        var index = header.firstIndex(of: ";") ?? header.endIndex
        while index < header.endIndex {
            index = header.index(after: index)
            let rest = header[index...]
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var cursor = header.index(after: equals)
            while cursor < header.endIndex, header[cursor] == " " { cursor = header.index(after: cursor) }
            var value = ""
            if cursor < header.endIndex, header[cursor] == "\"" {
                cursor = header.index(after: cursor)
                while cursor < header.endIndex, header[cursor] != "\"" {
                    // A backslash escapes only a quote or a backslash: browsers send Windows
                    // paths (C:\Users\…) unescaped in form-data file names.
                    let next = header.index(after: cursor)
                    if header[cursor] == "\\", next < header.endIndex, header[next] == "\"" || header[next] == "\\" { cursor = next }
                    value.append(header[cursor])
                    cursor = header.index(after: cursor)
                }
                if cursor < header.endIndex { cursor = header.index(after: cursor) }
                index = header[cursor...].firstIndex(of: ";") ?? header.endIndex
            } else {
                let end = header[cursor...].firstIndex(of: ";") ?? header.endIndex
                value = header[cursor..<end].trimmingCharacters(in: .whitespaces)
                index = end
            }
            parameters[name] = value
        }
        return parameters
    }

    /// `UTF-8''percent-encoded` (RFC 5987).
    public static func decodeExtended(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].lowercased() == "utf-8" else { return nil }
        return String(parts[2]).removingPercentEncoding
    }
}
