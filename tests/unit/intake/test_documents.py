"""Unit tests for sniffing an uploaded document's real type from its bytes."""

from __future__ import annotations

import pytest

from services.intake.documents import (
    ALLOWED_MEDIA_TYPES,
    MAX_DOCUMENT_BYTES,
    SNIFF_BYTES,
    sniff_media_type,
)

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (PDF_HEAD, "application/pdf"),
        (b"%PDF-2.0\r\n", "application/pdf"),
        (JPEG_HEAD, "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00", "image/jpeg"),
        (PNG_HEAD, "image/png"),
    ],
)
def test_known_types_are_recognised(head: bytes, media_type: str) -> None:
    assert sniff_media_type(head) == media_type
    assert sniff_media_type(head + b"\x00" * 4096) == media_type
    assert media_type in ALLOWED_MEDIA_TYPES


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script>", id="html named .pdf"),
        pytest.param(b"<html><body>%PDF-1.7", id="html with a pdf header later"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", id="windows exe"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00", id="elf executable"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00", id="zip / docx"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'>", id="svg"),
        pytest.param(b"\n%PDF-1.7\n", id="pdf header not at the start"),
        pytest.param(b"%PDF-", id="pdf header without a version"),
        pytest.param(b"%PDF-x.y", id="pdf header with a bad version"),
        pytest.param(b"\xff\xd8", id="truncated jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a", id="truncated png"),
        pytest.param(b"\x89PNG\n\n\x1a\n", id="png signature mangled by text transfer"),
        pytest.param(b"", id="empty"),
    ],
)
def test_anything_else_is_refused(head: bytes) -> None:
    assert sniff_media_type(head) is None


def test_a_file_lying_about_its_type_is_judged_by_its_bytes() -> None:
    # The name and declared type say PDF; the bytes are an executable.
    declared_name, declared_type = "medical-report.pdf", "application/pdf"
    content = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode"
    assert declared_name.endswith(".pdf")
    assert declared_type == "application/pdf"
    assert sniff_media_type(content[:SNIFF_BYTES]) is None


def test_sniff_bytes_is_enough_for_every_type() -> None:
    for head in (PDF_HEAD, JPEG_HEAD, PNG_HEAD):
        assert sniff_media_type(head[:SNIFF_BYTES]) is not None


def test_size_limit_is_ten_mebibytes() -> None:
    assert MAX_DOCUMENT_BYTES == 10 * 1024 * 1024
