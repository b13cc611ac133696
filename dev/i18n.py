"""`make i18n`: extract the web's messages, update each area's catalogues, compile them.

One catalogue per area and language (services/web/translations/<area>/<lang>.po), so that two
people adding pages in different areas never edit the same file. An area is a page module
(`pages/<area>.py`) with its templates (`templates/<area>/`); everything else (the layout,
error pages, form macros, shared words) is the area `common`."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parent.parent / "services" / "web"
TRANSLATIONS = WEB / "translations"
LANGUAGES = ("fr", "es", "ar")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
COMMON_TEMPLATES = ("errors", "macros")


def area_of(path: Path) -> str:
    parts = path.relative_to(WEB).parts
    if parts[0] == "pages" and parts[-1] != "__init__.py":
        return path.stem
    if parts[0] == "templates" and len(parts) > 2 and parts[1] not in COMMON_TEMPLATES:
        return parts[1]
    return "common"


def sources() -> Iterator[tuple[str, Path, str]]:
    """(area, file, extraction method) for every file that may hold a message."""
    for path in sorted(WEB.rglob("*.py")):
        if "translations" not in path.parts:
            yield area_of(path), path, "python"
    for path in sorted((WEB / "templates").rglob("*.html")):
        yield area_of(path), path, "jinja2.ext:babel_extract"


def extract() -> dict[str, Catalog]:
    templates: dict[str, Catalog] = {}
    for area, path, method in sources():
        catalog = templates.setdefault(area, Catalog(project="vfund", domain=area))
        options = {"extensions": "jinja2.ext.i18n"} if method != "python" else {}
        for lineno, message, comments, context in extract_from_file(
            method, path, keywords=KEYWORDS, options=options, strip_comment_tags=True
        ):
            location = (str(path.relative_to(WEB)), lineno)
            catalog.add(message, locations=[location], auto_comments=comments, context=context)
    # A message used by several areas belongs to `common` only.
    shared = set(templates.get("common", Catalog())._messages)
    for area, catalog in templates.items():
        if area != "common":
            for key in shared & set(catalog._messages):
                del catalog._messages[key]
    return templates


def update(templates: dict[str, Catalog]) -> list[Path]:
    """Merge the extracted messages into each area's catalogues (new ones untranslated,
    changed ones fuzzy, gone ones dropped); returns the files written."""
    written = []
    for area, template in sorted(templates.items()):
        if not len(template):
            continue
        for language in LANGUAGES:
            po = TRANSLATIONS / area / f"{language}.po"
            po.parent.mkdir(parents=True, exist_ok=True)
            if po.exists():
                with po.open("rb") as fp:
                    catalog = read_po(fp, locale=language, domain=area)
            else:
                catalog = Catalog(
                    locale=language,
                    domain=area,
                    project="vfund",
                    header_comment=f"# vfund: the web pages of the area {area!r}, in {language}.",
                    copyright_holder="vfund",
                    msgid_bugs_address="",
                    last_translator="vfund",
                    language_team=language,
                )
            catalog.update(template, update_header_comment=False)
            catalog.obsolete.clear()
            # The header is not a translation: never fuzzy (a fuzzy header loses the plurals).
            catalog.fuzzy = False
            catalog.revision_date = datetime.now(UTC)
            buffer = io.BytesIO()
            write_po(buffer, catalog, width=100, omit_header=False, sort_output=True)
            # Only a change of messages rewrites a file (not a date): areas stay apart.
            if not po.exists() or _content(po.read_bytes()) != _content(buffer.getvalue()):
                po.write_bytes(buffer.getvalue())
                written.append(po)
    return written


_STAMPS = (b'"POT-Creation-Date', b'"PO-Revision-Date', b'"Generated-By')


def _content(po: bytes) -> list[bytes]:
    return [line for line in po.splitlines() if not line.startswith(_STAMPS)]


def compile_all() -> list[str]:
    """Write each `.mo` next to its `.po`; returns the problems (untranslated, fuzzy, errors)."""
    problems = []
    for po in sorted(TRANSLATIONS.glob("*/*.po")):
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=po.stem)
        for message in catalog:
            if not message.id:
                continue
            name = str(po.relative_to(WEB))
            if message.fuzzy:
                problems.append(f"{name}: fuzzy: {message.id!r}")
            elif not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                problems.append(f"{name}: untranslated: {message.id!r}")
        for message, errors in catalog.check():
            problems += [f"{po}: {message.id!r}: {e}" for e in errors]
        with po.with_suffix(".mo").open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.i18n", description=__doc__)
    parser.add_argument("step", choices=["all", "extract", "compile"], default="all", nargs="?")
    step = parser.parse_args(argv).step
    if step in ("all", "extract"):
        for po in update(extract()):
            print(f"updated {po.relative_to(WEB.parent.parent)}")
    if step in ("all", "compile"):
        problems = compile_all()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} messages need a translator", file=sys.stderr)
            return 1
        print("compiled every catalogue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
