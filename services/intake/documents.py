"""The real type of an uploaded document, from its first bytes; names and headers can lie."""

from __future__ import annotations

import re
from typing import Final

from shared.events import intake
from shared.events.intake import MediaType

MAX_DOCUMENT_BYTES: Final = intake.MAX_DOCUMENT_BYTES
# How many leading bytes sniff_media_type needs to decide.
SNIFF_BYTES = 16

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
ALLOWED_MEDIA_TYPES = frozenset({PDF, JPEG, PNG})

# "%PDF-" then a version such as "1.7" or "2.0". Readers tolerate junk before the header; we
# do not, since a file with another format's bytes in front is a classic polyglot.
_PDF = re.compile(rb"%PDF-[12]\.\d")
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


def sniff_media_type(head: bytes) -> MediaType | None:
    """``application/pdf``, ``image/jpeg`` or ``image/png`` if ``head`` starts like one, else None.

    Pass at least the first ``SNIFF_BYTES`` bytes. A match says what the file claims to be, not
    that it is harmless: documents are stored encrypted and served only as attachments.
    """
    if _PDF.match(head):
        return PDF
    if head.startswith(_JPEG):
        return JPEG
    if head.startswith(_PNG):
        return PNG
    return None
