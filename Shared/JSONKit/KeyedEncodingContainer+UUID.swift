import Foundation

/// Ids in lower case in every `Codable` model too: Foundation encodes a `UUID` as its
/// upper-case `uuidString`, while RFC 9562 asks for lower case on output (and any case on
/// input, which decoding already accepts). Synthesized conformances pick these overloads
/// over the generic ones in every file that imports JSONKit, so a file declaring an
/// `Encodable` type with ids imports it (`scripts/check_imports.py` checks).
extension KeyedEncodingContainer {
    public mutating func encode(_ value: UUID, forKey key: Key) throws {
        try self.encode(value.text(), forKey: key)
    }

    public mutating func encodeIfPresent(_ value: UUID?, forKey key: Key) throws {
        guard let value else { return }
        try self.encode(value.text(), forKey: key)
    }

    public mutating func encode(_ value: [UUID], forKey key: Key) throws {
        try self.encode(value.map { $0.text() }, forKey: key)
    }

    public mutating func encodeIfPresent(_ value: [UUID]?, forKey key: Key) throws {
        guard let value else { return }
        try self.encode(value, forKey: key)
    }
}
