"""A multipart/form-data body parsed in memory: an upload's plaintext never touches a disk.

Starlette's own form parser spools files above 1 MB to temporary files; a victim's medical
record must not sit unencrypted in /tmp, so uploads are parsed here from the (size-limited) body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_PARTS = 4


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data (the message names no content)."""


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytearray = field(default_factory=bytearray)


def boundary_of(content_type: str) -> bytes | None:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


def parse(body: bytes, boundary: bytes) -> dict[str, Part]:
    """Parts by field name; a field given twice is refused rather than guessed at."""
    parts: dict[str, Part] = {}
    headers: dict[bytes, bytes] = {}
    name_buf, value_buf = bytearray(), bytearray()
    current: list[Part] = []

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        name_buf.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value_buf.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(name_buf).lower()] = bytes(value_buf)
        name_buf.clear()
        value_buf.clear()

    def on_headers_finished() -> None:
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if not name:
            raise MultipartError("a part has no field name")
        key = name.decode("utf-8", "replace")
        if key in parts or len(parts) >= MAX_PARTS:
            raise MultipartError("a field is repeated or there are too many parts")
        filename = options.get(b"filename")
        declared = headers.get(b"content-type")
        part = Part(
            key,
            filename.decode("utf-8", "replace") if filename is not None else None,
            declared.decode("latin-1").strip().lower() if declared else None,
        )
        parts[key] = part
        current[:] = [part]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current[0].data.extend(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise MultipartError("the multipart body is malformed") from exc
    return parts
