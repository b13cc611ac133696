"""Hostile or broken bank files are refused safely: a clear 422 naming what is wrong, nothing
expanded, nothing fetched, no library internals and no value of the file in the answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from uuid import UUID

import pytest
from support.statements import (
    Booking,
    Tx,
    booking,
    camt,
    pain002,
)

from services.disbursement.reconciliation import StatementFile, read_bank_file, read_statement
from services.disbursement.reconciliation.validation import MAX_DEPTH, MAX_ELEMENTS
from shared.errors import DomainError, Refusal
from shared.money import Money

NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
P = UUID(int=7)
CHF = Money(10_000, "CHF")
MARKER = "CANARY-Zorro-1984"
INTERNALS = ("xmlschema", "elementpath", "<class", "Traceback", " at 0x", "XsdGroup", "{urn:")


def refused(data: bytes, code: str, **kw: int) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read_bank_file(data, **kw)
    error = caught.value
    assert (error.refusal, error.code) == (Refusal.INVALID, code)
    said = f"{error.detail} {error.errors}"
    assert not any(word in said for word in INTERNALS), said
    return error


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A local TCP server that records any connection: proof that nothing is fetched."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                seen.append(conn.recv(1024))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join(timeout=2)
    server.close()


def document(body: str, prolog: str = "") -> bytes:
    return f'<?xml version="1.0"?>{prolog}<Document xmlns="{NS053}">{body}</Document>'.encode()


BILLION_LAUGHS = (
    '<!DOCTYPE Document [<!ENTITY a "lol">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>"
)


@pytest.mark.parametrize(
    ("prolog", "body"),
    [
        (BILLION_LAUGHS, "<BkToCstmrStmt>&i;</BkToCstmrStmt>"),
        ('<!DOCTYPE Document [<!ENTITY big "' + "x" * 50_000 + '">]>', "&big;" * 200),
        ('<!DOCTYPE Document [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
        ('<!DOCTYPE Document [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', ""),
        ('<!DOCTYPE Document SYSTEM "file:///etc/passwd">', ""),
        ("<!DOCTYPE Document>", "<BkToCstmrStmt/>"),
    ],
    ids=[
        "billion-laughs",
        "quadratic-blowup",
        "xxe-file",
        "parameter-entity",
        "external-dtd",
        "doctype",
    ],
)
def test_document_type_declarations_and_entities_are_refused_before_anything_expands(
    prolog: str, body: str
) -> None:
    error = refused(document(body, prolog), "bank_file_forbidden_xml")
    assert "root:" not in f"{error.detail} {error.errors}"


def test_external_entities_and_schema_hints_never_reach_the_network(
    listener: tuple[str, list[bytes]],
) -> None:
    url, seen = listener
    for prolog, body in [
        (f'<!DOCTYPE Document [<!ENTITY e SYSTEM "{url}/e">]>', "&e;"),
        (f'<!DOCTYPE Document [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>', ""),
        (f'<!DOCTYPE Document SYSTEM "{url}/d.dtd">', ""),
    ]:
        refused(document(body, prolog), "bank_file_forbidden_xml")
    hinted = camt("camt.053", 8, [booking(P, CHF)]).replace(
        f'xmlns="{NS053}"'.encode(),
        f'xmlns="{NS053}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NS053} {url}/evil.xsd"'.encode(),
    )
    assert isinstance(read_bank_file(hinted), StatementFile)  # read, against our own XSD only
    xinclude = document(
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/x" parse="text"/>'
    )
    refused(xinclude, "bank_file_invalid")  # not processed: just an element the schema refuses
    assert seen == []


def test_nesting_and_element_count_and_size_are_bounded() -> None:
    deep = document("<a>" * (MAX_DEPTH + 10) + "</a>" * (MAX_DEPTH + 10))
    refused(deep, "bank_file_too_deep")
    very_deep = document("<a>" * 100_000 + "</a>" * 100_000)
    refused(very_deep, "bank_file_too_deep")
    wide = document("<a/>" * (2 * MAX_ELEMENTS + 1))
    refused(wide, "bank_file_too_large")
    statement = camt("camt.053", 8, [booking(P, CHF)])
    refused(statement, "bank_file_too_large", max_bytes=len(statement) - 1)
    assert isinstance(read_bank_file(statement, max_bytes=len(statement)), StatementFile)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "bank_file_empty"),
        (b"  \n ", "bank_file_empty"),
        (b"%PDF-1.7 not xml", "bank_file_not_xml"),
        (b"\x00\xff\xfe garbage", "bank_file_not_xml"),
        (f'<Document xmlns="{NS053}"><BkToCstmrStmt>'.encode(), "bank_file_not_xml"),
        (b"<Document><Stmt/></Document>", "bank_file_unsupported"),
        (b'<Document xmlns="urn:example:statement"/>', "bank_file_unsupported"),
        (b'<Statement xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>', "bank_file_unsupported"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.09"/>', "bank_file_unsupported"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"/>', "bank_file_unsupported"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "bank_file_unsupported"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.02"/>', "bank_file_unsupported"),
        (document("<BkToCstmrStmt/>"), "bank_file_invalid"),
        (document("&undeclared;"), "bank_file_not_xml"),
    ],
    ids=[
        "empty", "blank", "pdf", "binary", "truncated", "no-namespace", "other-namespace",
        "other-root", "camt.053.001.09", "camt.052", "pain.001", "pain.002.001.02", "incomplete",
        "undeclared-entity",
    ],
)  # fmt: skip
def test_what_is_not_a_supported_iso_20022_file_is_refused_clearly(data: bytes, code: str) -> None:
    error = refused(data, code)
    assert error.detail


def test_unsupported_versions_are_named_with_what_is_read() -> None:
    data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.09"/>'
    error = refused(data, "bank_file_unsupported")
    assert "camt.053.001.09 is not read" in error.detail
    assert "camt.053.001.02" in error.detail and "pain.002.001.10" in error.detail


def test_malformed_xml_says_where() -> None:
    error = refused(b"<Document>\n<a></b></Document>", "bank_file_not_xml")
    assert "line 2" in error.detail


def test_schema_errors_name_the_element_and_the_rule_never_the_value() -> None:
    data = camt("camt.053", 8, [booking(P, CHF)])
    data = data.replace(b"<IBAN>CH9300762011623852957</IBAN>", f"<IBAN>{MARKER}</IBAN>".encode())
    data = data.replace(b'Ccy="CHF">1250', f'Ccy="{MARKER}">1250'.encode(), 1)
    data = data.replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>", f"<CdtDbtInd>{MARKER}</CdtDbtInd>".encode(), 1
    )
    data = data.replace(b"<BookgDt><Dt>2025-03-04</Dt>", f"<BookgDt><Dt>{MARKER}</Dt>".encode())
    error = refused(data, "bank_file_invalid")
    assert error.errors is not None
    fields = {e["field"]: e for e in error.errors}
    iban = fields["/Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN"]
    assert "pattern" in iban["message"]
    assert "BookgDt" in " ".join(fields)
    assert any("CdtDbtInd" in f and "one of" in e["message"] for f, e in fields.items())
    assert MARKER not in f"{error.detail} {error.errors}"
    assert "error(s)" in error.detail


def test_many_schema_errors_are_counted_and_the_first_ten_listed() -> None:
    bookings = [Booking(CHF, bank_reference="X" * 36) for _ in range(15)]  # Max35Text broken
    error = refused(camt("camt.054", 8, bookings), "bank_file_invalid")
    assert error.errors is not None and len(error.errors) == 10
    assert "15 error(s) (the first 10 are listed)" in error.detail


def test_free_text_and_names_in_a_statement_are_never_read() -> None:
    tx = Tx(P.hex, CHF, creditor_name=MARKER, remittance=MARKER)
    data = camt("camt.053", 8, [Booking(CHF, bank_reference="B", txs=(tx,), note=MARKER)])
    assert data.count(MARKER.encode()) == 3
    file = read_statement(data)
    assert MARKER not in repr(file)


def test_other_encodings_are_read_as_declared() -> None:
    data = camt("camt.053", 4, [booking(P, CHF)])
    text = data.decode().replace("encoding='utf-8'", "encoding='UTF-16'")
    assert "UTF-16" in text
    utf16 = read_statement(text.encode("utf-16"))
    assert utf16 == read_statement(data)


def test_a_pain002_is_as_safe_as_a_statement() -> None:
    data = pain002(original_message_id=P.hex, group_status="RJCT", group_reason="AC04")
    hostile = data.replace(
        b"<?xml version='1.0' encoding='utf-8'?>",
        b"<?xml version='1.0'?>" + BILLION_LAUGHS.encode(),
    )
    refused(hostile, "bank_file_forbidden_xml")
