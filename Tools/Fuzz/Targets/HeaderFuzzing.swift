import FileTransfer

/// Header values an upload or a download reads: `Range` against a size, and parameters.
enum HeaderFuzzing {
    /// The input is a header value; its first eight bytes also make the file's size.
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let header = String(decoding: bytes, as: UTF8.self)
        var size: Int64 = 0
        for byte in bytes.prefix(8) { size = size << 8 | Int64(byte) }
        size = size & 0x0000_FFFF_FFFF_FFFF  // up to 256 TiB, never negative
        for candidate in [size, 0, 1, 1000] {
            if case .partial(let range) = ByteRange(header: header, size: candidate) {
                FuzzCheck.require(
                    range.lowerBound >= 0 && range.upperBound < candidate,
                    "\(range) of a \(candidate)-byte file from \(header.debugDescription)"
                )
            }
        }
        let parameters = HeaderParameters.parse(header)
        for value in parameters.values {
            _ = HeaderParameters.decodeExtended(value)
        }
    }
}
