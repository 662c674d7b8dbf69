"""Real pictures made here, of a chosen size, for what reads their headers."""

import struct
import zlib


def png(width: int, height: int, rgb: tuple[int, int, int] = (30, 110, 220)) -> bytes:
    """A valid PNG of one colour (8-bit RGB), as any decoder reads it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
