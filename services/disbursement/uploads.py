"""A bank file as POST /statements receives it: the XML itself (`application/xml`), or one file
part named `file` of a `multipart/form-data` body, read in memory (a statement's remittance
information may name people: it never touches a disk here)."""

from __future__ import annotations

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.problems import Problem

XML_TYPES = frozenset({b"application/xml", b"text/xml"})
FIELD = "file"
MAX_PARTS = 4


def _field_problem(status: int, code: str, message: str) -> Problem:
    return Problem(
        status, message, code=code, errors=[{"field": FIELD, "code": code, "message": message}]
    )


def bank_file_of(body: bytes, content_type: str) -> bytes:
    """The file's bytes: 415 for another content type, 400 for a broken multipart body, 422
    when the form holds no file named `file` (or more than it)."""
    kind, options = parse_options_header(content_type)
    if kind in XML_TYPES:
        return body
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise Problem(
            415,
            "send the bank file as application/xml, or as the part `file` of multipart/form-data",
            code="unsupported-media-type",
            headers={"Accept": "application/xml, multipart/form-data"},
        )
    parts = _parts(body, boundary)
    if set(parts) - {FIELD}:
        raise _field_problem(422, "extra_forbidden", "the form has fields other than `file`")
    if FIELD not in parts:
        raise _field_problem(422, "missing", "a file part named `file` is required")
    return bytes(parts[FIELD])


def _parts(body: bytes, boundary: bytes) -> dict[str, bytearray]:
    parts: dict[str, bytearray] = {}
    headers: dict[bytes, bytes] = {}
    name, value = bytearray(), bytearray()
    current: list[bytearray] = []

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(name).lower()] = bytes(value)
        name.clear()
        value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        key = (disposition.get(b"name") or b"").decode("utf-8", "replace")
        if not key or key in parts or len(parts) >= MAX_PARTS:
            raise MultipartParseError("a part without a name, repeated, or one too many")
        parts[key] = bytearray()
        current[:] = [parts[key]]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current[0].extend(data[start:end])

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
        raise Problem(400, "the multipart body is malformed", code="bad-multipart") from exc
    return parts
