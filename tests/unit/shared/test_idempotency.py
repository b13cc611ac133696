"""Idempotency keys belong to the whole principal: its subject and its organisation."""

from __future__ import annotations

import contextvars

from shared import auth
from shared.auth import Principal
from shared.idempotency import scope_of

A = Principal(sub="cw-1", name="x", roles=frozenset({"caseworker"}), org="org-a")
B = Principal(sub="cw-1", name="x", roles=frozenset({"caseworker"}), org="org-b")
STAFF = Principal(sub="finance-1", name="x", roles=frozenset({"finance"}), org=None)


def test_one_subject_in_two_organisations_has_two_scopes() -> None:
    assert scope_of(A) == '["cw-1","org-a"]'
    assert scope_of(B) == '["cw-1","org-b"]'
    assert scope_of(STAFF) == '["finance-1",null]'


def _as_request_of(principal: Principal, subject: str) -> str:
    auth._current.set(principal)
    return scope_of(subject)


def test_the_subject_alone_is_completed_by_the_request_in_progress() -> None:
    assert contextvars.copy_context().run(_as_request_of, A, "cw-1") == scope_of(A)
    assert contextvars.copy_context().run(_as_request_of, B, "cw-1") == scope_of(B)
    # Another subject than the request's: nothing to complete it with.
    assert contextvars.copy_context().run(_as_request_of, A, "cw-2") == '["cw-2",null]'
    assert scope_of("cw-1") == '["cw-1",null]'
