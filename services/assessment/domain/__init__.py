"""The assessment domain: pure rules and state transitions, no I/O.

Commands take a CaseFile and `now` and return a Result(case, events), or raise a refusal
(shared.errors.DomainError with a stable ErrorCode). The read side (deadlines, queues) is here
too, so that the repository's index columns and the API's views follow the same rules.
"""

from services.assessment.domain.assessing import (
    information_provided,
    open_case,
    record_assessment,
    request_information,
    request_review,
    withdraw,
)
from services.assessment.domain.deadlines import check_deadlines
from services.assessment.domain.decisions import chf_equivalent, confirms_another, decide, ratify
from services.assessment.domain.errors import ErrorCode, refused
from services.assessment.domain.events import Result
from services.assessment.domain.queues import (
    QueueEntry,
    build_queue,
    due_at,
    next_check_at,
    queue_entry,
    queue_kinds,
    time_left,
)

__all__ = [
    "ErrorCode",
    "QueueEntry",
    "Result",
    "build_queue",
    "check_deadlines",
    "chf_equivalent",
    "confirms_another",
    "decide",
    "due_at",
    "information_provided",
    "next_check_at",
    "open_case",
    "queue_entry",
    "queue_kinds",
    "ratify",
    "record_assessment",
    "refused",
    "request_information",
    "request_review",
    "time_left",
    "withdraw",
]
