"""The web's words and assets: every catalogue complete and in step with the code, htmx as
vendored (version and checksum), CSS + JS within the low-bandwidth budget."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dev import i18n

WEB = Path(__file__).resolve().parents[3] / "services" / "web"
CATALOGUES = sorted((WEB / "translations").glob("*/*.po"))


def test_every_area_has_a_catalogue_per_language() -> None:
    areas = {po.parent.name for po in CATALOGUES}
    assert {"common", "auth", "account", "home", "admin"} <= areas
    for area in areas:
        assert {p.stem for p in (WEB / "translations" / area).glob("*.po")} == {"fr", "es", "ar"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_entry_is_untranslated_fuzzy_or_broken(po: Path) -> None:
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=po.stem)
    assert not catalog.fuzzy
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    problems += [f"{m.id!r}: {e}" for m, errors in catalog.check() for e in errors]
    assert not problems, problems


def test_the_catalogues_hold_exactly_what_the_code_says() -> None:
    """A message added to a page and not to its catalogue (run `make i18n`) fails here."""
    extracted = i18n.extract()
    for area, template in extracted.items():
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
        if not wanted:
            continue
        for language in i18n.LANGUAGES:
            po = WEB / "translations" / area / f"{language}.po"
            assert po.exists(), f"no catalogue {po}"
            with po.open("rb") as fp:
                have = {
                    m.id if isinstance(m.id, str) else m.id[0]
                    for m in read_po(fp, locale=language)
                    if m.id
                }
            assert wanted == have, (area, language, wanted ^ have)


def test_htmx_is_the_vendored_version_with_its_checksum() -> None:
    vendor = json.loads((WEB / "static" / "VENDOR.json").read_text())["htmx.min.js"]
    body = (WEB / "static" / "htmx.min.js").read_bytes()
    assert hashlib.sha256(body).hexdigest() == vendor["sha256"]
    assert f'version:"{vendor["version"]}"'.encode() in body
    assert vendor["version"].startswith("2.")


def test_css_and_js_together_weigh_at_most_30_kb_compressed() -> None:
    total = sum(
        len(gzip.compress((WEB / "static" / name).read_bytes(), 9))
        for name in ("htmx.min.js", "vfund.css")
    )
    assert total <= 30 * 1024, total
