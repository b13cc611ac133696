"""Unit tests for parsing uploads in memory."""

from __future__ import annotations

import pytest

from services.intake.multipart import MultipartError, boundary_of, parse

BOUNDARY = b"XyZ123"


def body(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n"
        if content_type:
            out += b"Content-Type: " + content_type.encode() + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + BOUNDARY + b"--\r\n"


def test_parts_by_name_with_binary_content() -> None:
    data = bytes(range(256)) * 3 + b"\r\n--XyZ12"
    parts = parse(
        body(("file", "a.pdf", "application/pdf", data), ("purpose", None, None, b"report")),
        BOUNDARY,
    )
    assert bytes(parts["file"].data) == data
    assert parts["file"].filename == "a.pdf"
    assert parts["file"].content_type == "application/pdf"
    assert bytes(parts["purpose"].data) == b"report"
    assert parts["purpose"].filename is None


def test_repeated_field_is_refused() -> None:
    with pytest.raises(MultipartError):
        parse(body(("file", "a", None, b"1"), ("file", "b", None, b"2")), BOUNDARY)


def test_part_without_name_is_refused() -> None:
    raw = b"--XyZ123\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ123--\r\n"
    with pytest.raises(MultipartError):
        parse(raw, BOUNDARY)


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/form-data; boundary=abc", b"abc"),
        ("application/json", None),
        ("multipart/form-data", None),
        ("", None),
    ],
)
def test_boundary_of(content_type: str, boundary: bytes | None) -> None:
    assert boundary_of(content_type) == boundary
