"""Disbursement HTTP routes: one router per resource, finance officers only."""

from __future__ import annotations

from fastapi import APIRouter

from services.disbursement import batches_api, grants_api, payees_api, payments_api

router = APIRouter()
for _module in (grants_api, payees_api, payments_api, batches_api):
    router.include_router(_module.router)
