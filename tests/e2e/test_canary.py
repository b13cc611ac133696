"""Canary: personal data marked with unique strings appears nowhere but encrypted at intake.

Cases whose every personal field carries a marker go as far through the flow as this session's
services allow; then every message in the VFUND stream, every service log, every table of the
other services' databases and the raw rows of the intake database are searched, for each marker
as text and as hex (how PostgreSQL shows bytea). The search proves itself first: the markers are
read back through the authorised door (so they were really submitted), and in every source the
same search finds a known non-personal value (so it reads what it claims to read).
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import nats
from nats.js.api import DeliverPolicy
from support import Api, wait_for
from support.donor_story import covered, donor_token, fund, report
from support.factories import case_body, item
from support.intake_probe import PDF, new_id, publish, stream_count
from support.mail import mails
from support.pdf_text import text_of
from support.statements import Booking, Tx, camt053

from dev.stack import Stack
from services.audit.report_pdf import LANGS
from shared.events import subjects
from shared.events.assessment import InformationRequested
from shared.money import Money


def forms(marker: str) -> list[str]:
    return [marker, marker.encode().hex()]


def found(haystack: str, markers: list[str]) -> list[str]:
    lowered = haystack.lower()
    return [m for m in markers for form in forms(m) if form.lower() in lowered]


def marked_case(tag: str) -> dict[str, Any]:
    return case_body(
        victim={
            "full_name": f"{tag}-NAME Person",
            "date_of_birth": "1979-02-03",
            "contact": f"{tag}-CONTACT via office",
        },
        facts=f"{tag}-FACTS what happened",
        items=[
            item("medical", description=f"{tag}-ITEM surgery"),
            item("legal", "300.00", "EUR", description=f"{tag}-ITEM2 lawyer"),
        ],
    )


def stream_text(stack: Stack) -> list[str]:
    async def go() -> list[str]:
        nc = await nats.connect(stack.nats_url)
        try:
            js = nc.jetstream()
            last = (await js.stream_info(subjects.STREAM)).state.last_seq
            sub = await js.subscribe(
                subjects.ALL, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
            )
            texts: list[str] = []
            seq = 0
            while seq < last:
                msg = await sub.next_msg(timeout=5)
                seq = msg.metadata.sequence.stream
                texts.append(f"{msg.subject} {msg.headers} " + msg.data.decode("utf-8", "replace"))
            await sub.unsubscribe()
            return texts
        finally:
            await nc.close()

    return asyncio.run(go())


def tables_text(stack: Stack, service: str) -> dict[str, str]:
    """Every row of every public table, as PostgreSQL prints it (bytea in hex)."""
    database = stack.service_dsns[service].rsplit("/", 1)[1]

    async def go() -> dict[str, str]:
        conn = await asyncpg.connect(stack.admin_dsn, database=database)
        try:
            names = [
                r["table_name"]
                for r in await conn.fetch(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' ORDER BY table_name"
                )
            ]
            out = {}
            for name in names:
                rows = await conn.fetch(f'SELECT t::text AS row FROM public."{name}" t')
                out[name] = "\n".join(r["row"] for r in rows)
            out["(hex self-check)"] = await conn.fetchval(
                "SELECT convert_to($1, 'UTF8')::text", "HEX-SELF-CHECK"
            )
            return out
        finally:
            await conn.close()

    return asyncio.run(go())


def drive(api: Api, stack: Stack, tag: str) -> tuple[str, str]:
    """Submit two marked cases; read, answer, attach and withdraw as far as the flow goes."""
    ids = []
    for n in (1, 2):
        created = api.post("intake", "/cases", user="caseworker-a", json=marked_case(f"{tag}-{n}"))
        assert created.status_code == 201, created.text
        ids.append(created.json()["case_id"])
    first, second = ids
    upload = api.post(
        "intake",
        f"/cases/{first}/documents",
        user="caseworker-a",
        files={"file": ("x.pdf", PDF + f"{tag}-DOCUMENT".encode(), "application/pdf")},
        data={"purpose": "information"},
    )
    assert upload.status_code == 201, upload.text
    document_id = upload.json()["document_id"]
    request_id = new_id()
    publish(
        stack,
        subjects.INFORMATION_REQUESTED,
        InformationRequested(
            case_id=first,
            request_id=request_id,
            question_category="medical_records",
            requested_by="medical-1",
        ),
        case_id=first,
    )
    wait_for(
        lambda: (
            api.get("intake", f"/cases/{first}", user="caseworker-a").json()["status"]
            == "information_requested"
        ),
        what="information requested",
    )
    answered = api.post(
        "intake",
        f"/cases/{first}/information",
        user="caseworker-a",
        json={
            "request_id": request_id,
            "answer": f"{tag}-ANSWER details",
            "document_ids": [document_id],
        },
    )
    assert answered.status_code == 200, answered.text
    for user in ("medical-1", "legal-1", "caseworker-a"):
        assert api.get("intake", f"/cases/{first}", user=user).status_code == 200
    withdrawn = api.post(
        "intake", f"/cases/{second}/withdraw", user="caseworker-a", json={"reason": "safety"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    # The markers went in: the authorised door gives them back.
    read = api.get("intake", f"/cases/{first}", user="medical-1").json()
    assert read["victim"]["full_name"].startswith(f"{tag}-1-NAME")
    assert read["information_requests"][0]["answer"] == f"{tag}-ANSWER details"
    download = api.get("intake", f"/cases/{first}/documents/{document_id}", user="medical-1")
    assert f"{tag}-DOCUMENT".encode() in download.content
    return first, second


def marked_statement(tag: str, statement_id: str) -> bytes:
    """A camt.053 whose free texts (who was paid, remittance information, the entry's note)
    carry markers, as a bank's may carry a victim's name."""
    tx = Tx(
        uuid.uuid4().hex,
        Money(2500, "CHF"),
        creditor_name=f"{tag}-STMT-NAME Person",
        remittance=f"{tag}-STMT-REMITTANCE for surgery",
        bank_reference="CANARY-B",
    )
    entry = Booking(
        Money(2500, "CHF"), bank_reference="CANARY-B", txs=(tx,), note=f"{tag}-STMT-NOTE"
    )
    return camt053([entry], statement_id=statement_id)


def upload_statements(api: Api, tag: str) -> str:
    """A marked statement imported (its entry left unmatched), and a marked one refused: neither
    response repeats a marker. Returns the imported statement's bank id."""
    if "disbursement" not in api.stack.services:
        return ""
    statement_id = f"CANARY-{uuid.uuid4().hex[:12]}"
    headers = {"Content-Type": "application/xml"}
    data = marked_statement(tag, statement_id)
    imported = api.post(
        "disbursement", "/statements", user="finance-1", content=data, headers=headers
    )
    assert imported.status_code == 201, imported.text
    assert tag not in imported.text
    broken = data.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>")
    refused = api.post(
        "disbursement", "/statements", user="finance-1", content=broken, headers=headers
    )
    assert refused.status_code == 422 and tag not in refused.text, refused.text
    return statement_id


def test_personal_data_never_leaves_intake_in_plaintext(api: Api, stack: Stack) -> None:
    tag = f"CANARY-{uuid.uuid4().hex}"
    markers = (
        [f"{tag}-{n}-{field}" for n in (1, 2) for field in ("NAME", "CONTACT", "FACTS", "ITEM")]
        + [f"{tag}-{n}-ITEM2" for n in (1, 2)]
        + [f"{tag}-ANSWER", f"{tag}-DOCUMENT"]
        + [f"{tag}-STMT-{field}" for field in ("NAME", "REMITTANCE", "NOTE")]
    )
    statement = upload_statements(api, tag)
    first, second = drive(api, stack, tag)
    # Everything intake did is out: the last change (the withdrawal) is in the stream, and the
    # audit service, if it runs, has logged it.
    wait_for(
        lambda: (
            stream_count(stack, subjects.CASE_WITHDRAWN)
            and any(second in t for t in stream_text(stack)[-50:])
        ),
        what="the withdrawal in the stream",
    )
    # The web service holds no victim's data either: its database is searched like the rest.
    others = [s for s in ("assessment", "disbursement", "audit", "web") if s in stack.services]
    if "audit" in stack.services:
        wait_for(
            lambda: any(second in v for v in tables_text(stack, "audit").values()),
            timeout=30,
            what="the withdrawal in the audit log",
        )

    messages = stream_text(stack)
    assert any(first in m for m in messages), "the stream search reads the case's events"
    leaks = {
        f"stream message {n}": hit for n, m in enumerate(messages) if (hit := found(m, markers))
    }

    log_files = sorted(Path(stack.root / "logs").glob("*"))
    assert log_files, "the services write logs where the search looks"
    for path in log_files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if hit := found(text, markers):
            leaks[f"log {path.name}"] = hit

    # The web's notifications name a case by its reference alone: every e-mail the SMTP sink
    # kept is searched (raw, and subject and bodies decoded), once the one about the question
    # asked on the first case is there (the search reads what it claims to read).
    if "web" in stack.services and stack.mail is not None:
        folder = stack.mail.folder
        reference = api.get("intake", f"/cases/{first}", user="caseworker-a").json()["reference"]
        wait_for(
            lambda: [
                m
                for m in mails(folder)
                if m.to.startswith("caseworker-a@")
                and reference in m.text
                and "more information" in m.text
            ],
            timeout=30,
            what="the e-mail telling caseworker-a of the question",
        )
        for mail in mails(folder):
            if hit := found(mail.everything, markers):
                leaks[f"e-mail {mail.path.name}"] = hit

    for service in others:
        tables = tables_text(stack, service)
        assert found(tables.pop("(hex self-check)"), ["HEX-SELF-CHECK"]), "hex form is searched"
        assert "inbox" in tables
        for table, text in tables.items():
            if hit := found(text, markers):
                leaks[f"{service}.{table}"] = hit
    if statement:  # the statement search reads the imported statement
        assert statement in tables_text(stack, "disbursement")["statements"]
    if "audit" in others:
        assert any(first in text for text in tables_text(stack, "audit").values())
    if "web" in others:
        assert first in tables_text(stack, "web")["notifications"], "inbox entries are searched"

    intake = tables_text(stack, "intake")
    assert found(intake.pop("(hex self-check)"), ["HEX-SELF-CHECK"])
    assert first in intake["cases"] and intake["case_personal"] and intake["case_documents"]
    for table, text in intake.items():
        if hit := found(text, markers):
            leaks[f"intake.{table}"] = hit
    assert not leaks, f"personal data in plaintext: {leaks}"


def test_the_donor_report_pdf_carries_no_personal_data(api: Api, stack: Stack) -> None:
    """Marked cases paid from a grant: the grant's report PDF in every language is searched for
    every marker; the search proves itself on the grant's id, printed in the PDF."""
    assert "audit" in stack.services, "the donor report is the audit service's"
    tag = f"CANARY-{uuid.uuid4().hex}"
    made = itertools.count(1)
    markers: list[str] = []

    def body(*, country: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        n = next(made)
        markers.extend(f"{tag}-{n}-{field}" for field in ("NAME", "CONTACT", "FACTS", "ITEM"))
        return case_body(
            country=country,
            victim={"full_name": f"{tag}-{n}-NAME Person", "date_of_birth": "1979-02-03",
                    "contact": f"{tag}-{n}-CONTACT via office"},
            facts=f"{tag}-{n}-FACTS what happened",
            items=[i | {"description": f"{tag}-{n}-ITEM help"} for i in items],
        )  # fmt: skip

    story = fund(
        api, f"Canary Donor {tag[-8:]}", ("GM", "SL"),
        cases=((0, "social", "50.00"), (1, "relocation", "70.00")), unpaid=(), body=body,
    )  # fmt: skip
    assert len(markers) == 8
    token = donor_token(stack, story.donor)
    covered(api, story, token)
    leaks: dict[str, list[str]] = {}
    for lang in LANGS:
        pdf = report(api, token, story.grant_id, format="pdf", lang=lang)
        assert pdf.status_code == 200, pdf.text
        text = text_of(pdf.content)
        joined = text + "\n" + "".join(text.split())  # a marker wrapped over lines, too
        assert found(joined, [story.grant_id]), "the search reads the PDF's text"
        if hit := found(joined, markers):
            leaks[lang] = hit
    assert not leaks, f"personal data in the donor report PDF: {leaks}"
