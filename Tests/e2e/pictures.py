"""Real pictures made here, of a chosen size, for what reads their headers."""

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """The signature and header of a PNG stating this size, and no pixels: what a
    decompression bomb starts with."""
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def png(width: int, height: int, rgb: tuple[int, int, int] = (30, 110, 220)) -> bytes:
    """A valid PNG of one colour (8-bit RGB), as any decoder reads it."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return png_header(width, height) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


def size_of(data: bytes) -> tuple[int, int]:
    """The width and height a PNG's or a WebP's header states."""
    if data.startswith(b"\x89PNG"):
        return struct.unpack(">II", data[16:24])
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", data[:16]
    kind = data[12:16]
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    assert kind == b"VP8X", kind
    return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
