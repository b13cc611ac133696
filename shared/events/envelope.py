"""The CloudEvents 1.0 envelope every vfund message travels in (structured JSON mode)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class EventData(BaseModel):
    """Base of every event's `data`: frozen, and tolerant of fields added later by producers."""

    # Validators are built on first use, not at import: each service uses a fraction of its models
    # (the event catalogue holds every service's events), and memory is budgeted (80 MB a service).
    # Every vfund model defers its build for this reason; tests/unit/shared/test_models.py builds
    # them all, so one that cannot build still fails in the suite.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


D = TypeVar("D", bound=EventData)


class CloudEvent(BaseModel, Generic[D]):
    """A CloudEvent 1.0 with the vfund extensions `correlationid`, `causationid` and `actor`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=64)
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: D
    correlationid: str
    causationid: str
    actor: str

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


class RawEvent(BaseModel):
    """The envelope with `data` left untyped, for consumers that take any event (the audit log)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=64)
    source: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None


def event_type(nats_subject: str) -> str:
    """`vfund.intake.case.submitted` → `org.vfund.intake.case.submitted.v1` (contract §3)."""
    return "org.vfund." + nats_subject.removeprefix("vfund.") + ".v1"


def new_event(
    nats_subject: str,
    data: D,
    *,
    service: str,
    subject: str,
    actor: str,
    causation_id: str | None = None,
    correlation_id: str | None = None,
    now: datetime | None = None,
) -> CloudEvent[D]:
    """Build an event; the first event of a story is its own correlation id."""
    event_id = str(uuid.uuid4())
    model: Any = CloudEvent[type(data)]  # type: ignore[misc]
    return model(  # type: ignore[no-any-return]
        id=event_id,
        source=f"/vfund/{service}",
        type=event_type(nats_subject),
        subject=subject,
        time=(now or datetime.now(UTC)),
        data=data,
        correlationid=correlation_id or event_id,
        causationid=causation_id or event_id,
        actor=actor,
    )


def nats_subject_of(event: CloudEvent[Any] | RawEvent) -> str:
    """`org.vfund.intake.case.submitted.v1` → `vfund.intake.case.submitted`."""
    name = event.type.removeprefix("org.vfund.")
    return "vfund." + name.rsplit(".", 1)[0]
