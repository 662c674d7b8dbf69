import Foundation
import NIOCore
import NIOFoundationCompat

/// Reads a JSON object's members without `JSONDecoder`, for the types every message
/// crosses the bus as (see `JSONObjectWriter`). What it refuses, it refuses with the
/// `DecodingError` the decoder would throw, so clients see the same 400 naming the field.
/// Unknown members are ignored and `null` counts as absent, as with the decoder.
public struct JSONObjectReader {
    private let members: [String: ByteBuffer]
    private let path: [any CodingKey]

    public init(_ json: ByteBuffer) throws(DecodingError) {
        try self.init(json, path: [])
    }

    private init(_ json: ByteBuffer, path: [any CodingKey]) throws(DecodingError) {
        guard let members = try? JSONArrayScanner.members(of: json) else {
            // Refused either way; which error says what the decoder's would.
            let isJSON = (try? JSONSerialization.jsonObject(with: Data(buffer: json), options: .fragmentsAllowed)) != nil
            throw isJSON
                ? .typeMismatch([String: Any].self, .init(codingPath: path, debugDescription: "expected an object"))
                : .dataCorrupted(.init(codingPath: path, debugDescription: "not JSON"))
        }
        self.members = members
        self.path = path
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The member's bytes; nil when it is absent or null.
    private func value(_ key: String) -> ByteBuffer? {
        guard let value = self.members[key], value.readableBytesView != Self.null else { return nil }
        return value
    }

    private func required<T>(_ key: String, _ read: (String) throws(DecodingError) -> T?) throws(DecodingError) -> T {
        guard let value = try read(key) else {
            guard self.members[key] != nil else {
                throw .keyNotFound(Key(stringValue: key), .init(codingPath: self.path, debugDescription: "missing"))
            }
            throw .valueNotFound(T.self, .init(codingPath: self.path + [Key(stringValue: key)], debugDescription: "null"))
        }
        return value
    }

    private func mismatch(_ type: Any.Type, _ key: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: self.path + [Key(stringValue: key)], debugDescription: "wrong type"))
    }

    public func optionalString(_ key: String) throws(DecodingError) -> String? {
        guard let value = self.value(key) else { return nil }
        guard let string = JSONString.decode(value) else { throw self.mismatch(String.self, key) }
        return string
    }

    public func string(_ key: String) throws(DecodingError) -> String {
        try self.required(key, self.optionalString)
    }

    public func optionalUUID(_ key: String) throws(DecodingError) -> UUID? {
        guard let text = try self.optionalString(key) else { return nil }
        guard let id = UUID(text: text) else {
            throw .dataCorrupted(.init(codingPath: self.path + [Key(stringValue: key)], debugDescription: "not a UUID"))
        }
        return id
    }

    public func uuid(_ key: String) throws(DecodingError) -> UUID {
        try self.required(key, self.optionalUUID)
    }

    public func optionalEnum<T: RawRepresentable<String>>(_ key: String, as type: T.Type) throws(DecodingError) -> T? {
        guard let text = try self.optionalString(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw .dataCorrupted(.init(codingPath: self.path + [Key(stringValue: key)], debugDescription: "unknown value"))
        }
        return value
    }

    public func enumValue<T: RawRepresentable<String>>(_ key: String, as type: T.Type) throws(DecodingError) -> T {
        try self.required(key) { key throws(DecodingError) in try self.optionalEnum(key, as: type) }
    }

    public func optionalInteger(_ key: String) throws(DecodingError) -> Int64? {
        guard let value = self.value(key) else { return nil }
        guard let integer = Int64(String(buffer: value)) else { throw self.mismatch(Int64.self, key) }
        return integer
    }

    public func integer(_ key: String) throws(DecodingError) -> Int64 {
        try self.required(key, self.optionalInteger)
    }

    public func optionalObject(_ key: String) throws(DecodingError) -> JSONObjectReader? {
        guard let value = self.value(key) else { return nil }
        return try JSONObjectReader(value, path: self.path + [Key(stringValue: key)])
    }

    private static let null = ByteBuffer(string: "null").readableBytesView
}
