"""The suite's check of the stream: every event a service published is true and typed, and no
dead letter comes from anything but an event a test injected on purpose (issue 15, rule 3).

A violation names the subject, the event id, the field and the problem: never the value,
which could be personal."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from pydantic import ValidationError as ModelError

from shared.events import CATALOGUE
from shared.events.strict import PLACEHOLDERS, PRINTABLE, envelope_schema

# Tests mark what they publish on purpose (support.INJECTED): it may be wrong by design.
INJECTED_HEADER = "Vfund-Test"


@dataclass(frozen=True, order=True)
class Violation:
    subject: str
    event_id: str
    field: str
    problem: str

    @property
    def producer(self) -> str:
        parts = self.subject.split(".")
        return parts[1] if len(parts) > 1 else "?"

    def __str__(self) -> str:
        return f"{self.subject} {self.event_id}: {self.field}: {self.problem}"


@dataclass(frozen=True)
class Record:
    """One message of the stream."""

    seq: int
    subject: str
    data: bytes
    headers: dict[str, str]

    @property
    def injected(self) -> bool:
        return self.headers.get(INJECTED_HEADER) == "injected"


@cache
def _validator(subject: str) -> Draft202012Validator:
    return Draft202012Validator(
        envelope_schema(subject), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _path(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(event)"


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(field, problem) for one schema error, without the offending value."""
    where, kind, expected, value = (
        _path(error),
        error.validator,
        error.validator_value,
        error.instance,
    )
    if kind in ("anyOf", "oneOf", "allOf") and error.context:
        # The branch that went deepest says what was wrong; with a null branch, null itself.
        deepest = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        yield from _describe(deepest)
    elif kind == "required":
        for name in expected:
            if isinstance(value, dict) and name not in value:
                yield (f"{where}.{name}".removeprefix("(event)."), "missing")
    elif kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(value) - known if isinstance(value, dict) else ()):
            yield (
                f"{where}.{name}".removeprefix("(event)."),
                "a field the catalogue does not name",
            )
    elif kind == "type" and value is None:
        yield (where, "null where the catalogue does not allow it")
    elif kind == "type":
        yield (where, f"not of type {expected}")
    elif kind == "not":
        yield (where, f"a placeholder string (one of {', '.join(PLACEHOLDERS)})")
    elif kind == "minLength" and value == "":
        yield (where, "an empty string")
    elif kind in ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"):
        yield (where, f"breaks {kind} {expected}")
    elif kind == "pattern" and expected == PRINTABLE:
        yield (where, "a control character or a lone surrogate")
    elif kind == "pattern":
        yield (where, f"does not match {expected}")
    elif kind == "format":
        yield (where, f"not a valid {expected}")
    elif kind == "const":
        yield (where, f"must be {expected!r}")
    elif kind == "enum":
        yield (where, "not one of the catalogue's values")
    else:
        yield (where, f"breaks {kind}")


def check_event(subject: str, data: bytes, headers: dict[str, str]) -> list[Violation]:
    """Every violation of one service-published message (empty when it is true and typed)."""
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        return [Violation(subject, "?", "(event)", "not JSON")]
    event_id = str(event.get("id", "?")) if isinstance(event, dict) else "?"
    if subject not in CATALOGUE:
        return [Violation(subject, event_id, "(subject)", "not a subject of the catalogue")]
    found = {
        Violation(subject, event_id, field, problem)
        for error in _validator(subject).iter_errors(event)
        for field, problem in _describe(error)
    }
    if isinstance(event, dict) and isinstance(event.get("data"), dict):
        # The model checks what a JSON Schema cannot say (a currency is an ISO 4217 code...).
        named = {v.field for v in found}
        try:
            CATALOGUE[subject].model_validate(event["data"])
        except ModelError as exc:
            for err in exc.errors(include_input=False, include_url=False):
                field = ".".join(["data", *(str(p) for p in err["loc"])])
                if field not in named:
                    problem = f"refused by the model ({err['type']})"
                    found.add(Violation(subject, event_id, field, problem))
    if isinstance(event, dict) and isinstance(event.get("time"), str):
        try:
            datetime.fromisoformat(event["time"])
        except ValueError:
            found.add(Violation(subject, event_id, "time", "not an RFC 3339 time"))
    if headers.get("Nats-Msg-Id") != event_id:
        found.add(Violation(subject, event_id, "(Nats-Msg-Id)", "is not the event's id"))
    return sorted(found)


def check_records(records: Iterable[Record]) -> list[Violation]:
    """Check every message the services published, and every dead letter's origin.

    A dead letter is expected of an event a test injected, and of any event of a story such an
    event began (same correlation id, caused by it, or about the same case): a test that
    injects the approval of a case intake never saw makes disbursement's reservation one intake
    cannot place, and a caseworker's answer to a question a test injected is one assessment never
    asked."""
    violations: list[Violation] = []
    by_seq: dict[int, Record] = {}
    injected_ids: set[str] = set()
    seen: dict[str, int] = {}
    for record in records:
        by_seq[record.seq] = record
        if record.injected:
            injected_ids.add(_event_id(record.data))
            injected_ids.add(_field(record.data, "subject"))
            continue
        if record.subject.startswith("vfund.deadletter."):
            violations.extend(_dead_letter(record, by_seq, injected_ids))
            continue
        found = check_event(record.subject, record.data, record.headers)
        violations.extend(found)
        event_id = found[0].event_id if found else _event_id(record.data)
        if event_id in seen:
            violations.append(
                Violation(record.subject, event_id, "(event)", "published twice in the stream")
            )
        seen[event_id] = record.seq
    return violations


def _event_id(data: bytes) -> str:
    return str(_field(data, "id"))


def _field(data: bytes, name: str) -> str:
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        return "?"
    return str(event.get(name, "?")) if isinstance(event, dict) else "?"


def _dead_letter(
    record: Record, by_seq: dict[int, Record], injected_ids: set[str]
) -> list[Violation]:
    original = by_seq.get(int(record.headers.get("Vfund-Stream-Sequence", "0") or 0))
    if original is not None and (
        original.injected
        or _field(original.data, "correlationid") in injected_ids
        or _field(original.data, "causationid") in injected_ids
        or _field(original.data, "subject") in injected_ids - {"?"}
    ):
        return []
    service = record.subject.removeprefix("vfund.deadletter.")
    error = record.headers.get("Vfund-Error", "?")
    subject = record.headers.get("Vfund-Original-Subject", "?")
    return [
        Violation(
            subject,
            _event_id(record.data),
            "(event)",
            f"dead-lettered by {service} ({error}) though no test injected its story",
        )
    ]


async def _read(nats_url: str, stream: str) -> list[Record]:
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc = await nats.connect(nats_url.split(","))
    try:
        js = nc.jetstream()
        if (await js.stream_info(stream)).state.messages == 0:
            return []
        sub = await js.pull_subscribe(
            "vfund.>",
            stream=stream,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=60
            ),
        )
        out: list[Record] = []
        try:
            while pending := (await sub.consumer_info()).num_pending:
                for msg in await sub.fetch(min(pending, 1000), timeout=10):
                    out.append(
                        Record(
                            msg.metadata.sequence.stream,
                            msg.subject,
                            msg.data or b"",
                            dict(msg.headers or {}),
                        )
                    )
        finally:
            await sub.unsubscribe()
        return out
    finally:
        await nc.close()


def stream_records(nats_url: str, stream: str = "VFUND") -> list[Record]:
    """Every message of the stream, in order, with its sequence and headers."""
    return asyncio.run(_read(nats_url, stream))


def report(violations: list[Violation], *, limit: int = 5) -> str:
    """Grouped by producer and kind of problem, with up to `limit` event ids each."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for v in violations:
        groups[(v.subject, v.field, v.problem)].append(v.event_id)
    per_producer = Counter(v.producer for v in violations)
    lines = [
        f"{len(violations)} event violation(s): "
        + ", ".join(f"{p} {n}" for p, n in sorted(per_producer.items()))
    ]
    for (subject, field, problem), ids in sorted(groups.items()):
        shown = ", ".join(ids[:limit]) + (f", … ({len(ids)} in all)" if len(ids) > limit else "")
        lines.append(f"  {subject}: {field}: {problem} [{shown}]")
    return "\n".join(lines)


def as_json(record: Record) -> dict[str, Any]:
    event: dict[str, Any] = orjson.loads(record.data)
    return event
