"""The web's own rules: passwords, throttling and lockout, sessions, step-up, invitations, who
manages whom, what each role finds in the navigation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.web.domain import accounts as d
from services.web.domain.invitations import state
from services.web.domain.navigation import NAVIGATION, entries_for
from services.web.domain.passwords import check_new_password
from services.web.domain.roles import check_assignment
from services.web.domain.sessions import SessionPolicy, ended, step_up_needed
from services.web.domain.signin import ThrottlePolicy, fail, wait_before
from shared.errors import DomainError, Refusal

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ADMIN = d.Actor("admin-1", frozenset({"admin"}), None)
ORG_ADMIN = d.Actor("orgadmin-a", frozenset({"org_admin"}), "org-a")
ORG_A = d.Organisation("org-a", "Partner A", "LB", "active", 1)


def account(
    roles: tuple[str, ...] = ("caseworker",), org: str | None = "org-a", **kw: object
) -> d.Account:
    base = {
        "account_id": "u1",
        "username": "u1",
        "display_name": "U",
        "email": "u@x.org",
        "roles": roles,
        "org_id": org,
        "donor": None,
        "status": "active",
        "has_password": True,
        "has_mfa": True,
        "locked_until": None,
        "version": 1,
    }
    return d.Account(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("password", "confirm", "code"),
    [
        ("short", "short", "password-too-short"),
        ("x" * 257, "x" * 257, "password-too-long"),
        ("password1234", "password1234", "password-too-common"),
        ("aaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaab", "password-too-common"),
        ("my name is alice123", "my name is alice123", "password-contains-username"),
        ("a good long phrase", "a good long phrasE", "password-mismatch"),
    ],
)
def test_weak_or_mistyped_passwords_are_refused_naming_the_field(
    password: str, confirm: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_new_password(password, confirm, username="alice123")
    assert refused.value.code == code and refused.value.errors
    assert refused.value.errors[0]["field"] == (
        "password_confirm" if code == "password-mismatch" else "password"
    )


def test_a_good_password_passes() -> None:
    assert (
        check_new_password("four unrelated words", "four unrelated words", username="bob")
        == "four unrelated words"
    )


def test_failures_slow_down_doubling_then_lock() -> None:
    policy = ThrottlePolicy()
    attempts = None
    waits = []
    for _ in range(policy.lock_after):
        failure = fail(attempts, T0, policy)
        attempts = failure.attempts
        waits.append(wait_before(attempts, T0).total_seconds())
        if failure.lock_until:
            break
    assert waits == [0, 0, 2, 4, 8, 16, 32, 64, 128, 900]
    assert failure.lock_until == T0 + timedelta(minutes=15)
    assert wait_before(attempts, T0 + timedelta(minutes=15)) == timedelta(0)


@pytest.mark.parametrize(
    ("created", "seen", "stage", "expected"),
    [
        (timedelta(minutes=-10), timedelta(minutes=-5), "active", None),
        (timedelta(minutes=-40), timedelta(minutes=-30), "active", "idle"),
        (timedelta(hours=-12), timedelta(seconds=-1), "active", "absolute"),
        (timedelta(minutes=-11), timedelta(minutes=-1), "second_factor", "idle"),
    ],
)
def test_sessions_end_idle_or_absolute(
    created: timedelta, seen: timedelta, stage: str, expected: str | None
) -> None:
    assert (
        ended(
            created_at=T0 + created,
            last_seen_at=T0 + seen,
            stage=stage,
            now=T0,
            policy=SessionPolicy(),
        )
        == expected
    )


def test_step_up_after_five_minutes() -> None:
    policy = SessionPolicy()
    assert not step_up_needed(T0 - timedelta(minutes=5), T0, policy)
    assert step_up_needed(T0 - timedelta(minutes=5, seconds=1), T0, policy)


def test_an_invitation_is_single_use_and_expires() -> None:
    assert state(expires_at=T0 + timedelta(hours=1), used_at=None, now=T0) == "valid"
    assert state(expires_at=T0, used_at=None, now=T0) == "expired"
    assert state(expires_at=T0 + timedelta(hours=1), used_at=T0, now=T0) == "used"


@pytest.mark.parametrize(
    ("roles", "org", "donor", "code"),
    [
        ((), None, None, "roles-required"),
        (("wizard",), None, None, "unknown-role"),
        (("caseworker",), None, None, "organisation-required"),
        (("auditor",), "org-a", None, "organisation-not-for-these-roles"),
        (("donor",), None, None, "donor-required"),
        (("auditor",), None, "Demo Donor", "donor-not-for-these-roles"),
    ],
)
def test_role_assignments_that_make_no_sense_are_refused(
    roles: tuple[str, ...], org: str | None, donor: str | None, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_assignment(roles, org, donor)
    assert refused.value.code == code


def test_an_org_admin_manages_its_organisations_caseworkers_only() -> None:
    d.check_manages(ORG_ADMIN, account())
    for other in (
        account(org="org-b"),
        account(roles=("org_admin",)),
        account(roles=("admin",), org=None),
    ):
        with pytest.raises(DomainError) as refused:
            d.check_manages(ORG_ADMIN, other)
        assert refused.value.refusal is Refusal.NOT_FOUND
    with pytest.raises(DomainError):
        d.invite(
            ORG_ADMIN,
            account_id="n",
            username="newbie",
            display_name="N",
            email="n@x.org",
            roles=("fund_manager",),
            org_id=None,
            donor=None,
            organisation=None,
        )
    new, event = d.invite(
        ORG_ADMIN,
        account_id="n",
        username="Newbie",
        display_name=" N ",
        email="n@x.org",
        roles=("caseworker",),
        org_id="org-a",
        donor=None,
        organisation=ORG_A,
    )
    assert (new.username, new.display_name, new.status) == ("newbie", "N", "invited")
    assert (event.kind, event.roles, event.org_id, event.by) == (
        "invited",
        ("caseworker",),
        "org-a",
        "orgadmin-a",
    )


def test_nobody_disables_or_regrades_themselves() -> None:
    me = account(roles=("admin",), org=None, account_id="admin-1")
    with pytest.raises(DomainError):
        d.disable(ADMIN, me)
    with pytest.raises(DomainError):
        d.change_roles(ADMIN, me, roles=("auditor",), org_id=None, donor=None, organisation=None)


def test_an_mfa_reset_forgets_the_factor_and_enable_returns_to_where_it_was() -> None:
    reset, event = d.reset_mfa(ADMIN, account())
    assert not reset.has_mfa and event.kind == "mfa_reset"
    off, _ = d.disable(ADMIN, account(has_password=False, status="invited"))
    on, _ = d.enable(ADMIN, off)
    assert on.status == "invited"


def test_each_role_finds_its_pages_and_only_served_ones() -> None:
    served = {e.path for e in NAVIGATION}
    finance = {e.path for e in entries_for(["finance"], served)}
    assert "/finance/batches" in finance and "/admin/users" not in finance
    assert {e.path for e in entries_for(["org_admin"], {"/", "/admin/users"})} == {
        "/",
        "/admin/users",
    }
    assert {e.path for e in entries_for(["caseworker"], {"/", "/admin/users"})} == {"/"}
    assert all(e.roles for e in NAVIGATION)
