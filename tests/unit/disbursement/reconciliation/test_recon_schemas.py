"""The XSDs kept in the repo are the ones their README names, one per supported message type."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

import pytest

from services.disbursement.reconciliation import SUPPORTED, MessageType
from services.disbursement.reconciliation.validation import XSD_DIR

ROW = re.compile(r"^\| (\S+\.xsd) \| (\d+) \| `([0-9a-f]{64})` \|$", re.M)


def readme_rows() -> dict[str, tuple[int, str]]:
    text = (XSD_DIR / "README.md").read_text()
    return {name: (int(size), digest) for name, size, digest in ROW.findall(text)}


def test_the_versions_are_those_of_the_contract() -> None:
    names = {m.name for m in SUPPORTED}
    camt = {f"camt.05{k}.001.0{v}" for k in (3, 4) for v in range(2, 9)}
    pain = {f"pain.002.001.{v:02d}" for v in range(3, 11)}
    assert names == camt | pain


def test_every_schema_file_is_listed_with_its_digest_and_nothing_else_is_there() -> None:
    rows = readme_rows()
    files = {p.name for p in XSD_DIR.glob("*.xsd")}
    assert files == set(rows) == {f"{m.name}.xsd" for m in SUPPORTED}
    for name, (size, digest) in rows.items():
        data = (XSD_DIR / name).read_bytes()
        assert len(data) == size, name
        assert hashlib.sha256(data).hexdigest() == digest, name


@pytest.mark.parametrize("message", SUPPORTED, ids=str)
def test_each_schema_is_the_official_one_for_its_namespace(message: MessageType) -> None:
    root = ET.parse(XSD_DIR / f"{message.name}.xsd").getroot()  # our own files, not input
    assert root.get("targetNamespace") == message.namespace
    assert root.find("{http://www.w3.org/2001/XMLSchema}element").get("name") == "Document"
    imports = root.findall("{http://www.w3.org/2001/XMLSchema}import")
    includes = root.findall("{http://www.w3.org/2001/XMLSchema}include")
    assert not imports and not includes  # self-contained: validation never fetches anything
