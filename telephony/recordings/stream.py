"""Serving a stored recording over HTTP with byte ranges, so a player can seek in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.http import HttpResponse, StreamingHttpResponse

from telephony.models import Recording
from telephony.recordings.selectors import recordings_storage

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one range a ``Range`` header asks for; None for the whole file (no header, or one
    this server does not serve, such as several ranges)."""
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable
    return ByteRange(start, end)


def _chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def recording_response(
    *, recording: Recording, range_header: str, filename: str | None = None
) -> HttpResponse | StreamingHttpResponse:
    """The file (or the asked range of it); ``filename`` makes it a download."""
    size = recording.size_bytes
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    part = wanted or ByteRange(0, size - 1)
    handle = recordings_storage().open(recording.storage_key, "rb")
    response = StreamingHttpResponse(
        _chunks(handle, part.start, part.length),
        status=206 if wanted else 200,
        content_type=recording.content_type,
    )
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(part.length)
    if wanted:
        response["Content-Range"] = f"bytes {part.start}-{part.end}/{size}"
    # Access is checked and logged per request: no cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
