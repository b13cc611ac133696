"""The unit of work: the only place a write transaction opens.

Every change to a case is one transaction: lock the case file, check the caller's ETag (or the
event's inbox entry), apply the domain, save, and put the events in the outbox. Nothing is saved
or published when any step refuses. `requests`: changes asked for over HTTP; `incoming`: from
other services' events and from the clock.
"""

from services.assessment.commands.incoming import (
    apply,
    check_due,
    flag_duplicate,
    open_case,
    record_fx_rate,
)
from services.assessment.commands.requests import (
    NO_STORE,
    ApiCall,
    assess,
    decide,
    ratify,
    request_information,
    request_review,
)

__all__ = [
    "NO_STORE",
    "ApiCall",
    "apply",
    "assess",
    "check_due",
    "decide",
    "flag_duplicate",
    "open_case",
    "ratify",
    "record_fx_rate",
    "request_information",
    "request_review",
]
