/// A picture's size as it shows (a JPEG's EXIF rotation applied), read from its header so
/// that a page can give the picture its box before the bytes arrive. Nil when the header
/// does not say within `headLength` bytes, or says nonsense: the page then sizes the box
/// when the picture loads, as before.
struct ImageDimensions: Equatable, Sendable {
    var width: Int
    var height: Int

    /// Bytes kept of an upload's start to read this from. A JPEG's size comes after its
    /// EXIF block (64 KiB at most) and often an ICC profile.
    static let headLength = 128 * 1024
    /// Larger sides than any format here can state are not believed.
    static let maxSide = 65_535

    /// The largest picture shown in a conversation: what a browser decodes without strain.
    /// A 50,000 × 50,000 PNG is 10 GB of pixels from a few KB of file; past these bounds a
    /// picture is sent as a file, to download.
    static let maxInlineSide = 16_384
    static let maxInlinePixels = 64_000_000

    var showsInline: Bool {
        self.width <= Self.maxInlineSide && self.height <= Self.maxInlineSide && self.width * self.height <= Self.maxInlinePixels
    }

    init?(width: Int, height: Int) {
        guard (1...Self.maxSide).contains(width), (1...Self.maxSide).contains(height) else { return nil }
        self.width = width
        self.height = height
    }

    /// The size stated by the header of a file of `mimeType`, from its first bytes.
    init?(mimeType: String, head: [UInt8]) {
        let bytes = Bytes(head)
        let size: (Int, Int)?
        switch mimeType {
        case "image/png": size = Self.png(bytes)
        case "image/gif": size = Self.gif(bytes)
        case "image/webp": size = Self.webp(bytes)
        case "image/jpeg": size = Self.jpeg(bytes)
        default: size = nil
        }
        guard let (width, height) = size else { return nil }
        self.init(width: width, height: height)
    }

    /// The IHDR chunk, always first.
    private static func png(_ bytes: Bytes) -> (Int, Int)? {
        guard bytes.matches("IHDR", at: 12), let width = bytes.uint32(at: 16), let height = bytes.uint32(at: 20) else { return nil }
        return (width, height)
    }

    /// The logical screen size.
    private static func gif(_ bytes: Bytes) -> (Int, Int)? {
        guard let width = bytes.uint16(at: 6, littleEndian: true), let height = bytes.uint16(at: 8, littleEndian: true) else { return nil }
        return (width, height)
    }

    /// Lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`: the canvas).
    private static func webp(_ bytes: Bytes) -> (Int, Int)? {
        if bytes.matches("VP8 ", at: 12) {
            guard bytes.byte(at: 23) == 0x9D, bytes.byte(at: 24) == 0x01, bytes.byte(at: 25) == 0x2A,
                let width = bytes.uint16(at: 26, littleEndian: true), let height = bytes.uint16(at: 28, littleEndian: true)
            else { return nil }
            return (width & 0x3FFF, height & 0x3FFF)
        }
        if bytes.matches("VP8L", at: 12) {
            guard bytes.byte(at: 20) == 0x2F, let bits = bytes.uint32(at: 21, littleEndian: true) else { return nil }
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        if bytes.matches("VP8X", at: 12) {
            guard let width = bytes.uint24(at: 24), let height = bytes.uint24(at: 27) else { return nil }
            return (width + 1, height + 1)
        }
        return nil
    }

    /// The first start-of-frame segment's size, turned by the EXIF orientation when it says
    /// the picture is shown on its side (5 to 8).
    private static func jpeg(_ bytes: Bytes) -> (Int, Int)? {
        var position = 2
        var sideways = false
        while let marker = bytes.byte(at: position + 1), bytes.byte(at: position) == 0xFF {
            if marker == 0xFF {  // fill byte
                position += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD8).contains(marker) {  // no length follows
                position += 2
                continue
            }
            guard marker != 0xD9, marker != 0xDA, let length = bytes.uint16(at: position + 2), length >= 2 else { return nil }
            let segment = position + 4
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                guard let height = bytes.uint16(at: segment + 1), let width = bytes.uint16(at: segment + 3) else { return nil }
                return sideways ? (height, width) : (width, height)
            case 0xE1 where bytes.matches("Exif\0\0", at: segment):
                sideways = (5...8).contains(Self.orientation(bytes, tiff: segment + 6) ?? 1)
            default:
                break
            }
            position += 2 + length
        }
        return nil
    }

    /// Tag 0x0112 of the first image directory of the TIFF block at `tiff`.
    private static func orientation(_ bytes: Bytes, tiff: Int) -> Int? {
        let little: Bool
        if bytes.matches("II", at: tiff) {
            little = true
        } else if bytes.matches("MM", at: tiff) {
            little = false
        } else {
            return nil
        }
        guard let offset = bytes.uint32(at: tiff + 4, littleEndian: little), let count = bytes.uint16(at: tiff + offset, littleEndian: little)
        else { return nil }
        for index in 0..<min(count, 256) {
            let entry = tiff + offset + 2 + index * 12
            guard let tag = bytes.uint16(at: entry, littleEndian: little) else { return nil }
            if tag == 0x0112 { return bytes.uint16(at: entry + 8, littleEndian: little) }
        }
        return nil
    }
}

/// Bounds-checked reads of a header: anything past the end is nil, never a trap.
private struct Bytes {
    let storage: [UInt8]

    init(_ storage: [UInt8]) {
        self.storage = storage
    }

    func byte(at index: Int) -> UInt8? {
        index >= 0 && index < self.storage.count ? self.storage[index] : nil
    }

    func matches(_ text: String, at index: Int) -> Bool {
        text.utf8.enumerated().allSatisfy { offset, expected in self.byte(at: index + offset) == expected }
    }

    /// `count` bytes from `index` as an unsigned number.
    private func number(at index: Int, count: Int, littleEndian: Bool) -> Int? {
        guard index >= 0, count <= self.storage.count, index <= self.storage.count - count else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = Int(self.storage[index + (littleEndian ? count - 1 - offset : offset)])
            value = value << 8 | byte
        }
        return value
    }

    func uint16(at index: Int, littleEndian: Bool = false) -> Int? {
        self.number(at: index, count: 2, littleEndian: littleEndian)
    }

    func uint24(at index: Int) -> Int? {
        self.number(at: index, count: 3, littleEndian: true)
    }

    func uint32(at index: Int, littleEndian: Bool = false) -> Int? {
        self.number(at: index, count: 4, littleEndian: littleEndian)
    }
}
