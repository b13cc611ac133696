"""Hostile, oversized and malformed bank files through the running service: each is a clear 4xx
(problem+json) that changes nothing, and a file of another account is refused (409)."""

from __future__ import annotations

import uuid

import pytest
from support import Api, assert_problem
from support.disbursement_probe import state
from support.statements import booking, camt053, pain002

from dev.stack import Stack
from shared.money import Money

XML = {"Content-Type": "application/xml"}


def valid() -> bytes:
    return camt053(
        [booking(uuid.uuid4(), Money(1500, "CHF"))], statement_id=f"S-{uuid.uuid4().hex[:12]}"
    )


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&lol3;</Document>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>"""
HOSTILE = {
    "empty": b"",
    "not xml": b"%PDF-1.4 this is not a statement",
    "truncated": valid()[:-40],
    "billion laughs": LAUGHS,
    "external entity": XXE,
    "another message": valid().replace(b"camt.053.001.08", b"pain.001.001.09"),
    "unsupported version": valid().replace(b"camt.053.001.08", b"camt.053.001.01"),
    "not XSD-valid": valid().replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>BOTH</CdtDbtInd>"
    ),
    "no namespace": b"<Document><BkToCstmrStmt/></Document>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_or_malformed_file_is_a_422_that_changes_nothing(
    api: Api, stack: Stack, name: str
) -> None:
    before = state(stack)
    resp = api.post(
        "disbursement", "/statements", user="finance-1", content=HOSTILE[name], headers=XML
    )
    problem = assert_problem(resp, 422)
    assert "passwd" not in resp.text and "root:" not in resp.text
    assert problem["detail"]
    assert state(stack) == before


def test_a_file_over_the_size_limit_is_refused_unread(api: Api, stack: Stack) -> None:
    before = state(stack)
    big = valid().replace(b"</Document>", b"<!--" + b"x" * (11 * 1024 * 1024) + b"--></Document>")
    resp = api.post("disbursement", "/statements", user="finance-1", content=big, headers=XML)
    assert_problem(resp, 413)
    assert state(stack) == before


def test_a_statement_of_another_account_is_refused(api: Api, stack: Stack) -> None:
    before = state(stack)
    other = camt053(
        [booking(uuid.uuid4(), Money(1500, "CHF"))],
        account="GB33BUKB20201555555555",
        statement_id=f"S-{uuid.uuid4().hex[:12]}",
    )
    resp = api.post("disbursement", "/statements", user="finance-1", content=other, headers=XML)
    assert assert_problem(resp, 409)["type"].endswith("statement-other-account")
    assert state(stack) == before


def test_other_content_types_and_broken_forms_are_4xx(api: Api, stack: Stack) -> None:
    before = state(stack)
    as_json = api.post("disbursement", "/statements", user="finance-1", json={"file": "x"})
    assert_problem(as_json, 415)
    no_file = api.post(
        "disbursement", "/statements", user="finance-1", files={"other": ("a.xml", valid())}
    )
    assert_problem(no_file, 422)
    broken = api.post(
        "disbursement",
        "/statements",
        user="finance-1",
        content=b'--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        headers={"Content-Type": "multipart/form-data; boundary=yy"},
    )
    assert 400 <= broken.status_code < 500, broken.text
    assert state(stack) == before


def test_a_statement_uploaded_as_a_form_file_is_read(api: Api, stack: Stack) -> None:
    resp = api.post(
        "disbursement",
        "/statements",
        user="finance-1",
        files={"file": ("statement.xml", valid(), "application/xml")},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["statements"][0]["unmatched"] == 1


def test_a_status_report_twice_is_a_409_that_changes_nothing(api: Api, stack: Stack) -> None:
    report = pain002(
        original_message_id=uuid.uuid4().hex, message_id=f"STS-{uuid.uuid4().hex[:12]}"
    )
    first = api.post("disbursement", "/statements", user="finance-1", content=report, headers=XML)
    assert first.status_code == 201, first.text
    assert first.json()["status_report"]["message"] == "pain.002.001.10"
    before = state(stack)
    again = api.post("disbursement", "/statements", user="finance-2", content=report, headers=XML)
    assert assert_problem(again, 409)["type"].endswith("status-report-already-imported")
    assert state(stack) == before
