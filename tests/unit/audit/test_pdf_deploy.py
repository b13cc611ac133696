"""The image renders the donor report PDF: its runtime stage installs the Debian packages the
Makefile's system-deps target installs for WeasyPrint (pango, harfbuzz, fonts)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_runtime_image_has_the_pdf_system_packages() -> None:
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^PDF_DEBS := (.*?)(?<!\\)\n", makefile, re.MULTILINE | re.DOTALL)
    assert found, "the Makefile names the PDF's Debian packages"
    packages = found.group(1).replace("\\\n", " ").split()
    assert "libpango-1.0-0" in packages and len(packages) >= 5
    runtime = (ROOT / "deploy" / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    installed = set(runtime.replace("\\\n", " ").split())
    assert set(packages) <= installed, set(packages) - installed
