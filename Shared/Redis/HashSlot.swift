/// Which of Redis Cluster's 16,384 slots a key (or a sharded channel) lives in: CRC16
/// (XMODEM) of the key, or of its hash tag, the part between the first `{` and the next
/// `}` when that part is not empty. Keys that must meet in one command or script share a tag.
public struct HashSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let count = 16_384

    public let value: UInt16

    public init?(_ value: Int) {
        guard (0..<Self.count).contains(value) else { return nil }
        self.value = UInt16(value)
    }

    public init(key: some Collection<UInt8>) {
        self.value = Self.crc16(Self.hashed(key)) & UInt16(Self.count - 1)
    }

    public init(key: String) {
        self.init(key: key.utf8)
    }

    public static func < (lhs: HashSlot, rhs: HashSlot) -> Bool { lhs.value < rhs.value }

    public var description: String { String(self.value) }

    private static func hashed<Bytes: Collection<UInt8>>(_ key: Bytes) -> Bytes.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else { return key[...] }
        return key[afterOpen..<close]
    }

    private static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ Self.table[Int((crc >> 8) ^ UInt16(byte)) & 0xFF]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
