"""Object mothers: valid request bodies, with overrides for the case at hand."""

from __future__ import annotations

import copy
import random
import uuid
from datetime import date, timedelta
from typing import Any

_RANDOM = random.SystemRandom()


def _random_birth_date() -> str:
    # The OS's randomness: Hypothesis reseeds the `random` module for every example.
    day = date(1950, 1, 1) + timedelta(days=_RANDOM.randrange(365 * 55))
    return day.isoformat()


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "victim": {
            # Distinct people: the same phonetic name and birth date would be flagged as
            # possible duplicates (which tests of that feature build on purpose).
            "full_name": f"Test Person {uuid.uuid4().hex[:8]}",
            "date_of_birth": _random_birth_date(),
            "sex": "female",
            "nationality": "SY",
            "contact": "via partner office",
        },
        "country": "LB",
        "urgency": "standard",
        "items": [
            {
                "category": "medical",
                "description": "specialist treatment",
                "amount": "1200.00",
                "currency": "CHF",
            },
        ],
        "facts": "Narrative of the facts as told to the caseworker.",
        "no_other_support": True,
        "consent": {"given": True, "date": "2026-11-01"},
    }
    for key, value in overrides.items():
        body[key] = copy.deepcopy(value)
    return body


def item(
    category: str = "medical",
    amount: str = "500.00",
    currency: str = "CHF",
    description: str = "assistance",
) -> dict[str, Any]:
    return {
        "category": category,
        "description": description,
        "amount": amount,
        "currency": currency,
    }
