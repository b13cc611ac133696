"""Idempotency keys belong to the whole principal: its subject and its organisation."""

from __future__ import annotations

from shared.idempotency import scope_of


def test_one_subject_in_two_organisations_has_two_scopes() -> None:
    assert scope_of(("cw-1", "org-a")) == '["cw-1","org-a"]'
    assert scope_of(("cw-1", "org-b")) == '["cw-1","org-b"]'
    assert scope_of(("cw-1", "org-a")) != scope_of(("cw-1", "org-b"))
    assert scope_of(("finance-1", None)) == '["finance-1",null]'
