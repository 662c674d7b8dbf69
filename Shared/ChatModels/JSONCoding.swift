import Foundation

/// ISO 8601 UTC with milliseconds on every surface (`2026-11-25T09:30:00.123Z`).
public enum ChatJSON {
    static let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let timestampWithoutFraction = Date.ISO8601FormatStyle()

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    /// Rounded to the millisecond in integers: formatting the `Double` directly can drop a
    /// millisecond, so a timestamp would change each time it is decoded and encoded again.
    static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (milliseconds - ((milliseconds % 1000) + 1000) % 1000, ((milliseconds % 1000) + 1000) % 1000)
        var text = Date(timeIntervalSince1970: TimeInterval(seconds / 1000)).formatted(timestampWithoutFraction)
        text.removeLast()  // "Z"
        let digits = String(fraction)
        return text + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = (try? timestamp.parse(text)) ?? (try? timestampWithoutFraction.parse(text)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 timestamp")
            }
            return date
        }
        return decoder
    }
}
