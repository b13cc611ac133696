"""Assessment HTTP routes: queues, cases, assessments, information requests, decisions."""

from __future__ import annotations

from fastapi import APIRouter

from services.assessment import assessments_api, cases_api, decisions_api, queue_api

router = APIRouter()
for part in (queue_api, cases_api, assessments_api, decisions_api):
    router.include_router(part.router)
