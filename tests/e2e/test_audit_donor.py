"""A donor's door to the audit service, on the running system: a grant paying real cases, its
report as JSON, CSV and PDF at one signed tree head (the PDF parsed, its figures the JSON's, in
every language), counts below five masked, the time from request to payment; and a donor sees
the entries behind their figures with their proofs, and nothing of another donor's grant."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from support import Api, assert_problem
from support.donor_story import Funded, bearer, covered, donor_token, funded, report
from support.pdf_text import AMOUNT, norm, read

from dev.stack import Stack
from services.audit.domain import merkle
from services.audit.domain.canonical import canonical_json
from services.audit.domain.heads import tree_head_message
from services.audit.report_pdf import LANGS
from services.audit.report_pdf.i18n import Formats

MEASURES = ("reserved", "released", "paid")
SUBMITTED = "org.vfund.intake.case.submitted.v1"
PAID = "org.vfund.disbursement.payment.sent.v1"
REPORT_TYPES = {
    "org.vfund.disbursement.budget.reserved.v1",
    "org.vfund.disbursement.budget.released.v1",
    PAID,
}


@pytest.fixture(scope="module")
def story(api: Api) -> Funded:
    return funded(api, "Demo Donor")


@pytest.fixture(scope="module")
def other(api: Api) -> Funded:
    return funded(api, "Other Donor")


@pytest.fixture(scope="module")
def demo(api: Api) -> str:
    token: str = api.tokens["donor-1"]  # the demo donor: "Demo Donor"
    return token


def shown(cases: dict[str, Any]) -> str:
    if cases["count"] is not None:
        return str(cases["count"])
    return f"< {cases['below']}" if "below" in cases else f"≥ {cases['at_least']}"


def log_items(api: Api, token: str, query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        got = api.get("audit", f"/log?limit=1000{query}{cursor}", headers=bearer(token))
        assert got.status_code == 200, got.text
        items += got.json()["items"]
        if got.json()["next_cursor"] is None:
            return items
        cursor = f"&cursor={got.json()['next_cursor']}"


def test_the_json_report_masks_small_counts_and_times_the_payments(
    api: Api, story: Funded, demo: str
) -> None:
    body = covered(api, story, demo)
    assert body["grant_id"] == story.grant_id
    head = body["tree_head"]
    assert set(head) == {"tree_size", "root_hash", "timestamp", "signature", "key_id"}
    indexes = {i for row in body["rows"] for m in MEASURES for i in row[m]["indexes"]}
    assert max(indexes) < head["tree_size"], "computed at the head it names"
    first, second = story.countries
    countries = {row["country"]: row for row in body["by_country"]}
    # four cases in the first country, two paid and one reserved in the second: both below 5
    assert countries[first]["cases"] == {"count": None, "below": 5}
    assert countries[second]["cases"] == {"count": None, "below": 5}
    assert countries[first]["paid"]["amount"] == "660.50"
    assert countries[second]["paid"]["amount"] == "399.50"
    assert countries[second]["reserved"]["amount"] == "444.50"
    # seven cases in all, and no hidden part can be worked out from it
    assert body["totals"] == [
        body["totals"][0] | {"currency": "CHF", "net_reserved": "1105.00", "cases": {"count": 7}}
    ]
    assert body["totals"][0]["paid"]["amount"] == "1060.00"
    timing = body["time_to_payment"]
    assert timing["cases"] == {"count": 6}
    assert (timing["p50_days"], timing["p90_days"]) == (0, 0)  # paid the day they were asked
    first_bucket, *rest = timing["buckets"]
    assert (first_bucket["from_days"], first_bucket["to_days"]) == (0, 2)
    assert first_bucket["cases"] == {"count": 6}
    assert len(first_bucket["indexes"]) == 12, "each paid case's request and payment"
    assert all(b["cases"] == {"count": None, "below": 5} and not b["indexes"] for b in rest)
    assert timing["without_request"] == [] and timing["unreadable"] == []
    submitted = log_items(api, demo, f"&type={SUBMITTED}")
    assert {e["event"]["subject"] for e in submitted} >= set(story.paid)
    by_index = {e["index"]: e for e in submitted}
    assert {by_index[i]["event"]["subject"] for i in first_bucket["indexes"] if i in by_index} == (
        set(story.paid)
    )


def test_csv_and_pdf_are_the_json_reports_at_the_same_head(
    api: Api, story: Funded, demo: str
) -> None:
    covered(api, story, demo)
    for lang in LANGS:
        for _ in range(10):  # a head signed between the two requests: ask again
            body = report(api, demo, story.grant_id)
            pdf = report(api, demo, story.grant_id, format="pdf", lang=lang)
            if pdf.headers["vfund-tree-size"] == body.headers["vfund-tree-size"]:
                break
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
        assert pdf.headers["cache-control"] == "no-store"
        assert pdf.content.startswith(b"%PDF-")
        check_pdf(body.json(), pdf.content, lang)
    body = report(api, demo, story.grant_id)
    got = report(api, demo, story.grant_id, format="csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    header, *records = list(csv.reader(io.StringIO(got.text)))
    assert header[:4] == ["month", "country", "category", "currency"]
    if got.headers["vfund-tree-size"] == body.headers["vfund-tree-size"]:
        rows = body.json()["rows"]
        assert [r[:8] for r in records] == [
            [r["month"], r["country"], r["category"], r["currency"], r["reserved"]["amount"],
             r["released"]["amount"], r["net_reserved"], r["paid"]["amount"]]
            for r in rows
        ]  # fmt: skip


def check_pdf(body: dict[str, Any], data: bytes, lang: str) -> None:
    """The PDF's tables carry the JSON's figures and masked counts, its annex the JSON's log
    indexes, and it names the JSON's tree head."""
    pdf, fmt = read(data, lang), Formats(lang)  # type: ignore[arg-type]
    refs = {"totals": "T", "by_country": "C", "by_category": "K", "by_month": "M"}
    annex = []
    for key, letter in refs.items():
        for n, row in enumerate(body[key], start=1):
            line = pdf.rows[f"{letter}{n}"]
            money = [row["reserved"]["amount"], row["released"]["amount"], row["net_reserved"],
                     row["paid"]["amount"]]  # fmt: skip
            expected = [AMOUNT.findall(norm(fmt.money(a, row["currency"])))[0] for a in money]
            assert AMOUNT.findall(line) == expected, (lang, line, money)
            assert line.endswith(f" {shown(row['cases'])}"), (lang, line, row["cases"])
            annex += [", ".join(map(str, row[m]["indexes"])) or "—" for m in MEASURES]
    for n, bucket in enumerate(body["time_to_payment"]["buckets"], start=1):
        annex.append(", ".join(map(str, bucket["indexes"])) or "—")
        if lang != "ar":
            assert pdf.rows[f"D{n}"].endswith(f" {shown(bucket['cases'])}"), pdf.rows[f"D{n}"]
            continue
        # A line of digits alone keeps its visual order (right to left) in pdfium's text: the
        # row's reference and its count are tokens of it, "<" mirrored as ">".
        line = next(x for x in pdf.text if {f"D{n}", f"{n}D"} & set(x.split(" ")))
        count = bucket["cases"]
        number = str(count["count"] if count["count"] is not None else 5)
        masked = count["count"] is None
        assert number in line.split(" ") and masked == bool({"<", ">"} & set(line)), line
    assert pdf.annex == annex, lang
    assert body["tree_head"]["root_hash"] in pdf.hashes, lang
    assert body["tree_head"]["signature"] in "".join(pdf.text), lang  # it may wrap


def test_a_donor_reads_the_entries_behind_their_figures_with_proofs(
    api: Api, stack: Stack, story: Funded, other: Funded, demo: str
) -> None:
    body = covered(api, story, demo)
    figures = {i for row in body["rows"] for m in MEASURES for i in row[m]["indexes"]}
    items = log_items(api, demo)
    seen = {e["index"]: e["event"] for e in items}
    assert figures <= set(seen), "every figure's entries are listed"
    for event in seen.values():
        data = event["data"]
        if event["type"] == SUBMITTED:
            continue
        assert event["type"] in REPORT_TYPES, event["type"]
        assert data["grant_id"] != other.grant_id
    submitted = {e["subject"] for e in seen.values() if e["type"] == SUBMITTED}
    assert set(story.paid) <= submitted
    assert not submitted & set(story.unpaid), "an unpaid case's request is behind no figure"
    assert not submitted & (set(other.paid) | set(other.unpaid))
    assert log_items(api, demo, f"&subject={other.paid[0]}") == []
    assert log_items(api, demo, "&type=org.vfund.disbursement.grant.created.v1") == []
    paid_only = log_items(api, demo, f"&type={PAID}")
    assert paid_only and all(e["event"]["type"] == PAID for e in paid_only)

    head = api.get("audit", "/tree-heads/latest", headers=bearer(demo))
    assert head.status_code == 200, head.text
    heads = api.get("audit", "/tree-heads?limit=2", headers=bearer(demo))
    assert heads.status_code == 200 and heads.json()["items"]
    size = head.json()["tree_size"]
    public = load_pem_public_key(stack.keys.audit_public.read_bytes())  # type: ignore[union-attr]
    message = tree_head_message(size, head.json()["root_hash"], head.json()["timestamp"])
    public.verify(base64.b64decode(head.json()["signature"]), message)  # type: ignore[union-attr]
    requests = [e["index"] for e in items if e["event"]["type"] == SUBMITTED]
    for index in sorted(figures)[:3] + requests[:2]:
        proof = api.get(
            "audit", f"/proofs/inclusion?index={index}&tree_size={size}", headers=bearer(demo)
        )
        assert proof.status_code == 200, proof.text
        leaf = merkle.leaf_hash(canonical_json(seen[index]))
        path = [bytes.fromhex(h) for h in proof.json()["audit_path"]]
        root = bytes.fromhex(head.json()["root_hash"])
        assert merkle.verify_inclusion(leaf, index, size, path, root), index


def test_a_donor_sees_nothing_of_another_donors_grant(
    api: Api, stack: Stack, story: Funded, other: Funded, demo: str
) -> None:
    covered(api, story, demo)
    theirs = donor_token(stack, other.donor)
    covered(api, other, theirs)
    auditor = api.tokens["auditor-1"]

    def grants(token: str) -> set[str]:
        got = api.get("audit", "/reports/grants", headers=bearer(token))
        assert got.status_code == 200, got.text
        return {g["grant_id"] for g in got.json()["items"]}

    assert story.grant_id in grants(demo) and other.grant_id not in grants(demo)
    assert grants(theirs) == {other.grant_id}
    assert {story.grant_id, other.grant_id} <= grants(auditor)
    for fmt in ("json", "csv", "pdf"):
        refused = report(api, demo, other.grant_id, format=fmt)
        assert "no-such-grant" in assert_problem(refused, 404)["type"]
        assert other.donor not in refused.text
        assert report(api, theirs, other.grant_id, format=fmt).status_code == 200
    unknown = report(api, demo, "no-such-grant-at-all")
    assert (
        assert_problem(unknown, 404)["type"]
        == assert_problem(report(api, demo, other.grant_id), 404)["type"]
    ), "another's grant answers as one that does not exist"
    # the other donor's entries and proofs: not listed, and 404 one by one
    hidden = log_items(api, theirs)
    assert hidden
    mine = {e["index"] for e in log_items(api, demo)}
    size = api.get("audit", "/tree-heads/latest", headers=bearer(demo)).json()["tree_size"]
    for entry in hidden[:8]:
        assert entry["index"] not in mine
        proof = api.get("audit", f"/proofs/inclusion?index={entry['index']}", headers=bearer(demo))
        assert "no-such-entry" in assert_problem(proof, 404)["type"]
        assert api.get(
            "audit", f"/proofs/inclusion?index={entry['index']}", headers=bearer(auditor)
        ).status_code == (200 if entry["index"] < size else 422)
    beyond = api.get("audit", f"/proofs/inclusion?index={2**40}", headers=bearer(demo))
    assert "no-such-entry" in assert_problem(beyond, 404)["type"]
    # what is for auditors only
    assert_problem(api.get("audit", "/export", headers=bearer(demo)), 403)
    assert_problem(
        api.get("audit", "/proofs/consistency?first=1&second=2", headers=bearer(demo)), 403
    )


def test_an_auditor_reads_any_grants_report_and_the_whole_log(
    api: Api, story: Funded, other: Funded, demo: str
) -> None:
    covered(api, story, demo)
    auditor = api.tokens["auditor-1"]
    for grant in (story, other):
        got = report(api, auditor, grant.grant_id)
        assert got.status_code == 200, got.text
    page = api.get("audit", "/log?limit=5", headers=bearer(auditor)).json()
    assert [e["index"] for e in page["items"]] == [0, 1, 2, 3, 4]
    assert orjson.loads(orjson.dumps(page))["next_cursor"] == "4"


def test_the_public_key_verifies_the_heads_for_every_log_reader(
    api: Api, stack: Stack, demo: str
) -> None:
    served = api.get("audit", "/tree-heads/public-key", headers=bearer(demo))
    assert served.status_code == 200, served.text
    assert served.headers["content-type"].startswith("application/x-pem-file")
    public = load_pem_public_key(served.content)
    der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    configured = load_pem_public_key(stack.keys.audit_public.read_bytes())  # type: ignore[union-attr]
    assert configured.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == der
    head = api.get("audit", "/tree-heads/latest", user="auditor-1").json()
    assert hashlib.sha256(der).hexdigest() == head["key_id"]
    message = tree_head_message(head["tree_size"], head["root_hash"], head["timestamp"])
    public.verify(base64.b64decode(head["signature"]), message)  # type: ignore[union-attr]
    assert_problem(api.get("audit", "/tree-heads/public-key", user="finance-1"), 403)
