"""Record keys and images for posts. Pure: no network.

A post's record key is a TID made once per outbox row (from its idempotency key),
so every retry writes the same `at://did/app.bsky.feed.post/<rkey>` and the PDS
can be asked whether the first try landed. Images lose their metadata (EXIF, XMP,
comments, text chunks) before upload.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime

from inbox.core.errors import RemoteRejected

S32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000
# TIDs made from a key fall in 2023..2024: valid, sortable and never in the future.
_TID_FROM = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
_TID_SPAN = 365 * 24 * 3600 * 1_000_000


def tid(micros: int, clock_id: int) -> str:
    """The 13-character TID of a timestamp (µs since 1970) and a 10-bit clock id."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    out = []
    for _ in range(13):
        out.append(S32[value & 31])
        value >>= 5
    return "".join(reversed(out))


def is_tid(text: str) -> bool:
    return len(text) == 13 and all(c in S32 for c in text) and text[0] in "234567abcdefghij"


def rkey_for(idempotency_key: str, queued_at: datetime | None = None) -> str:
    """The record key of an outbox row: the same for every retry of that row.

    A real TID: the time the user sent it (the row's queued time, in µs, fixed for every
    retry), with the sub-millisecond digits and the clock id taken from the key so that
    two rows queued in the same millisecond never share an rkey. Without a time (old rows)
    the key alone picks a moment in 2023–2024: still a valid TID that is never in the future.
    """
    if is_tid(idempotency_key):
        return idempotency_key
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    clock_id = int.from_bytes(digest[8:10], "big")
    if queued_at is not None and queued_at.tzinfo is not None:
        millis = int(queued_at.timestamp() * 1000)
        return tid(millis * 1000 + int.from_bytes(digest[:2], "big") % 1000, clock_id)
    micros = _TID_FROM + int.from_bytes(digest[:8], "big") % _TID_SPAN
    return tid(micros, clock_id)


def image_mime(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def strip_metadata(data: bytes) -> bytes:
    """JPEG without APP1..APP15/COM segments, PNG without eXIf/text/time chunks.

    Other formats pass unchanged. Raises RemoteRejected for a truncated file.
    """
    mime = image_mime(data)
    if mime == "image/jpeg":
        return _strip_jpeg(data)
    if mime == "image/png":
        return _strip_png(data)
    return data


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise RemoteRejected("The JPEG image is damaged")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            out += data[pos : pos + 2]
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise RemoteRejected("The JPEG image is damaged")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):  # keep APP0 (JFIF) and the rest
            out += data[pos:end]
        pos = end
    raise RemoteRejected("The JPEG image is damaged")


_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise RemoteRejected("The PNG image is damaged")
        if kind not in _PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise RemoteRejected("The PNG image is damaged")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, for the embed's aspect ratio."""
    mime = image_mime(data)
    if mime == "image/png" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return (w, h) if w and h else None
    if mime == "image/jpeg":
        pos = 2
        while pos + 9 < len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            if marker in (0xC0, 0xC1, 0xC2) and pos + 9 <= len(data):
                h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return (w, h) if w and h else None
            pos += 2 + length
    return None
