import Foundation

/// A single `Range: bytes=…` request resolved against a file's size.
public enum ByteRange: Equatable, Sendable {
    /// The whole file (no Range header, or one we do not serve, such as several ranges).
    case whole
    case partial(ClosedRange<Int64>)
    /// Nothing of the file is in the range: 416.
    case unsatisfiable

    public init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            self = .whole
            return
        }
        switch (Int64(parts[0]), Int64(parts[1])) {
        case (let start?, let end?) where start <= end:
            self = start < size ? .partial(start...min(end, size - 1)) : .unsatisfiable
        case (let start?, nil) where parts[1].isEmpty:
            self = start < size ? .partial(start...(size - 1)) : .unsatisfiable
        case (nil, let suffix?) where parts[0].isEmpty:
            self = suffix > 0 && size > 0 ? .partial(max(0, size - suffix)...(size - 1)) : .unsatisfiable
        default:
            self = .whole  // malformed: ignore it, as RFC 9110 allows
        }
    }
}
