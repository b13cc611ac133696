"""Submitting a case: sealed under its own data key, flagged when its victim may be known."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi.responses import JSONResponse

from services.intake import wire
from services.intake.blind_index import VictimIdentity, blind_tokens
from services.intake.commands import unit
from services.intake.commands.unit import Caller, Reply
from services.intake.context import IntakeContext
from services.intake.domain import access
from services.intake.domain import case as rules
from services.intake.domain.status import SUBMITTED
from services.intake.personal import FACTS, ITEM_DESCRIPTIONS, VICTIM, fingerprint, seal
from services.intake.repository import cases, sealed
from services.intake.schemas import CaseIn
from services.intake.wire import SERVICE
from shared import idempotency, outbox
from shared.db import Connection
from shared.deps import etag
from shared.money import to_minor


async def submit_case(
    ctx: IntakeContext, caller: Caller, body: CaseIn, *, key: str | None
) -> JSONResponse:
    """A new case, sealed under its own data key, and flagged when its victim may be known."""
    actor = caller.actor
    org = access.own_org(actor)
    victim = body.victim
    tokens = blind_tokens(
        ctx.blind_index_key, VictimIdentity(victim.full_name, victim.date_of_birth, victim.contact)
    )

    async def work(tx: Connection) -> Reply:
        now = datetime.now(UTC)
        case_id = str(uuid.uuid4())
        submitted = rules.submit(
            case_id=case_id,
            reference=await cases.next_reference(tx, year=now.year),
            org_id=org,
            country=body.country,
            urgency=body.urgency,
            items=[
                rules.NewItem(i.category, to_minor(i.amount, i.currency), i.currency)
                for i in body.items
            ],
            submitted_by=actor.sub,
        )
        published = wire.envelopes(
            [submitted],
            actor=actor.sub,
            causation_id=caller.request_id,
            correlation_id=None,
            now=now,
        )
        story, first_id = published[0][1].correlationid, published[0][1].id
        wrapped, blobs = seal(
            ctx.keyring,
            case_id,
            {
                VICTIM: victim.model_dump(mode="json"),
                FACTS: body.facts,
                ITEM_DESCRIPTIONS: [i.description for i in body.items],
            },
        )
        await sealed.lock_tokens(tx, tokens=tokens)
        matches = await cases.insert_submission(
            tx,
            submitted=submitted,
            status=SUBMITTED,
            at=now,
            correlation_id=story,
            event_id=first_id,
            wrapped=wrapped,
            blobs=blobs,
            tokens=tokens,
        )
        suspected = rules.suspect_duplicates(case_id, matches)
        if suspected is not None:
            # Matches compare keyed digests only: no other case is decrypted to find them.
            await cases.flag_duplicate(tx, case_id=case_id, matches=suspected.matching_case_ids)
            flagged = wire.envelopes(
                [suspected],
                actor=SERVICE,
                causation_id=caller.request_id,
                correlation_id=story,
                now=now,
            )
            await unit.add_timeline(tx, case_id, [suspected], flagged, actor=SERVICE, now=now)
            published += flagged
        await outbox.add(tx, published, service=SERVICE)
        created = {"case_id": case_id, "reference": submitted.reference, "status": SUBMITTED}
        return 201, created, {"Location": f"/cases/{case_id}", "ETag": etag(1)}

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(actor.sub, actor.org),
        route="POST /cases",
        payload=fingerprint(ctx.blind_index_key, body.model_dump(mode="json")),
        work=work,
    )
