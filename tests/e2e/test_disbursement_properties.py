"""Property-based, through the running service: whatever grant, rate, payee or payment body a
finance officer sends, the answer is never a 500, and per grant amount = available + reserved +
disbursed; whatever approval comes in, it is reserved or waits, never dead-lettered.

Grants here are restricted to countries no other test approves, rates are between currencies no
other test converts: the properties cannot serve, or starve, another test's case."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Api, wait_for
from support.disbursement_probe import (
    BAD_IBAN,
    IBAN_CH,
    IBAN_DE,
    IBAN_GB,
    active_payee,
    approve,
    conserved,
    create_grant,
    db,
    wait_payment,
)

from dev.stack import Stack

D = "disbursement"
COUNTRIES = ["AQ", "BV", "HM"]
CURRENCIES = ["MOP", "BND", "BSD", "KYD", "AWG", "BHD", "UYW", "ISK"]  # 2, 3, 4, 0 places
TODAY = datetime.now(UTC).date()
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

digits = st.text("0123456789", min_size=1, max_size=13)
amounts = st.one_of(
    st.builds(lambda i, f: f"{i}.{f}" if f else i, digits, st.text("0123456789", max_size=5)),
    st.sampled_from(["0", "0.00", "1", "999999999999.99", "999999999999", "-1.00", "1e3", ""]),
)
days = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 12, 31)),
    st.sampled_from([TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=2)]),
).map(date.isoformat)
names = st.one_of(
    st.text(max_size=150),
    st.sampled_from(["Partner NGO", "Médecins & Söhne", "Клиника", "\u200b", "x" * 71, ""]),
)
rates = st.one_of(
    st.decimals(min_value=0, max_value=10**12, places=12, allow_nan=False).map(str),
    st.sampled_from(["0.000000000001", "999999999999", "1", "0", "1E-3", "NaN"]),
)


def _ok(response: Any) -> Any:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response


def grant_body(amount: str, currency: str, start: str, end: str, name: str) -> dict[str, Any]:
    return {
        "donor": name or "Donor",
        "name": "Property grant",
        "amount": amount,
        "currency": currency,
        "valid_from": start,
        "valid_to": end,
        "restrictions": {"countries": [COUNTRIES[len(name) % len(COUNTRIES)]]},
    }


@SETTINGS
@given(
    amount=amounts,
    currency=st.sampled_from(CURRENCIES),
    start=days,
    end=days,
    donor=names,
    delta=amounts,
    negative=st.booleans(),
)
def test_grant_bodies_never_fail_the_server_and_money_is_conserved(
    api: Api,
    stack: Stack,
    amount: str,
    currency: str,
    start: str,
    end: str,
    donor: str,
    delta: str,
    negative: bool,
) -> None:
    made = _ok(
        api.post(
            D, "/grants", user="finance-1", json=grant_body(amount, currency, start, end, donor)
        )
    )
    if made.status_code == 201:
        url = f"/grants/{made.json()['grant_id']}/adjustments"
        change = {"delta": ("-" if negative else "") + delta, "currency": currency}
        _ok(
            api.post(
                D, url, user="finance-2", json=change, headers={"If-Match": made.headers["ETag"]}
            )
        )
    conserved(stack)


@SETTINGS
@given(
    pair=st.lists(st.sampled_from(CURRENCIES), min_size=2, max_size=2, unique=True),
    rate=rates,
    as_of=days,
    confirm=st.sampled_from(["finance-1", "finance-2", None]),
)
def test_rate_bodies_never_fail_the_server(
    api: Api, stack: Stack, pair: list[str], rate: str, as_of: str, confirm: str | None
) -> None:
    body = {"base": pair[0], "quote": pair[1], "rate": rate, "as_of": as_of}
    made = _ok(api.post(D, "/fx-rates", user="finance-1", json=body))
    if made.status_code == 201 and confirm is not None:
        url = f"/fx-rates/{made.json()['rate_id']}/confirm"
        answer = _ok(api.post(D, url, user=confirm, headers={"If-Match": made.headers["ETag"]}))
        assert answer.status_code == (200 if confirm == "finance-2" else 409)
    conserved(stack)


@SETTINGS
@given(
    name=names,
    iban=st.sampled_from([IBAN_DE, IBAN_CH, IBAN_GB, BAD_IBAN, "DE00", "NO9386011117947"]),
    bic=st.one_of(
        st.none(), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=11)
    ),
    default=st.booleans(),
)
def test_payee_bodies_never_fail_the_server(
    api: Api, name: str, iban: str, bic: str | None, default: bool
) -> None:
    body = {"org_id": "org-property", "name": name, "iban": iban, "bic": bic, "default": default}
    made = _ok(api.post(D, "/payees", user="finance-1", json=body))
    if made.status_code == 201:
        url = f"/payees/{made.json()['payee_id']}/confirm"
        assert (
            _ok(
                api.post(D, url, user="finance-2", headers={"If-Match": made.headers["ETag"]})
            ).status_code
            == 200
        )


def _payment(api: Api, stack: Stack) -> dict[str, Any]:
    org = f"org-{uuid.uuid4().hex[:8]}"
    create_grant(api, amount="10000.00", currency="BSD", restrictions={"countries": ["HM"]})
    active_payee(api, org, default=False)
    case_id = approve(
        stack,
        org_id=org,
        country="HM",
        items=[("medical", "600.00", "BSD"), ("legal", "400.00", "BSD")],
    ).data.case_id
    return wait_payment(api, case_id, "awaiting_payee")


part = st.fixed_dictionaries(
    {"amount": amounts},
    optional={
        "item_ids": st.lists(
            st.sampled_from(["item-1", "item-2", "item-9", "\x00", ""]), max_size=3
        ),
        "payee_id": st.sampled_from([str(uuid.uuid4()), "not-a-uuid"]),
    },
)


@SETTINGS
@given(
    action=st.sampled_from(["split", "confirm", "fail", "cancel", "payee", "reschedule"]),
    parts=st.lists(part, min_size=0, max_size=4),
    reference=st.text(max_size=40),
    paid_on=days,
    reason=st.text(max_size=90),
)
def test_payment_bodies_never_fail_the_server_and_money_is_conserved(
    api: Api,
    stack: Stack,
    action: str,
    parts: list[dict[str, Any]],
    reference: str,
    paid_on: str,
    reason: str,
) -> None:
    payment = _payment(api, stack)
    url = f"/payments/{payment['payment_id']}/{action}"
    body = {
        "split": {"parts": parts},
        "confirm": {"bank_reference": reference, "paid_on": paid_on},
        "fail": {"reason": reason},
        "cancel": {"reason": reason},
        "payee": {"payee_id": (parts[0].get("payee_id") if parts else None) or str(uuid.uuid4())},
        "reschedule": {},
    }[action]
    _ok(api.post(D, url, user="finance-1", json=body))
    conserved(stack)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(
        st.tuples(
            st.sampled_from(["medical", "psychological", "social", "legal", "relocation"]),
            st.sampled_from(["0.01", "1.00", "999999999999.99", "5000.00", "123.45"]),
            st.sampled_from(["BSD", "KYD", "MOP"]),
        ),
        min_size=1,
        max_size=5,
    ),
    country=st.sampled_from(COUNTRIES),
)
def test_approvals_are_reserved_or_wait_never_dead_lettered(
    api: Api, stack: Stack, items: list[tuple[str, str, str]], country: str
) -> None:
    event = approve(stack, country=country, items=items)
    # In disbursement's inbox only once its handler committed: applied, not dead-lettered.
    wait_for(
        lambda: db(
            stack,
            "SELECT 1 FROM inbox WHERE consumer = 'disbursement' AND event_id = $1",
            event.id,
        ),
        what="the approval applied",
    )
    status = db(
        stack, "SELECT status FROM approved_cases WHERE case_id = $1", uuid.UUID(event.data.case_id)
    )
    assert [r["status"] for r in status] in (["reserved"], ["waiting"])
    conserved(stack)
