"""Strict JSON Schemas of the catalogue's events, for checking what vfund's own producers emit.

Consumers read events leniently (unknown fields ignored, so a producer may add one without a
new version). What a vfund service publishes must be exactly what the catalogue says: the
same models the AsyncAPI publishes, made strict:

- no field the catalogue does not name (`additionalProperties: false`, nested objects too);
- no placeholder text where a value belongs: no string "None" or "null" (a Python `str(None)`
  or a JavaScript one), no empty string, no control character;
- null only where the catalogue says a field may be null (as pydantic writes the schema);
- the envelope too: CloudEvents 1.0 with vfund's extensions, its `type` and `source` matching
  the NATS subject it travels on.
"""

from __future__ import annotations

import copy
from typing import Any

from shared.events import CATALOGUE
from shared.events.envelope import event_type

PLACEHOLDERS = ("None", "null", "undefined", "NaN")
# No control character but tab and line breaks (as shared.types.Text), no lone surrogate.
PRINTABLE = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff]*$"
_NOT_PLACEHOLDER: dict[str, Any] = {
    "not": {"enum": list(PLACEHOLDERS)},
    "minLength": 1,
    "pattern": PRINTABLE,
}


def _tighten(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            node.setdefault("additionalProperties", False)
        if node.get("type") == "string" and "enum" not in node and "const" not in node:
            node.setdefault("allOf", []).append(_NOT_PLACEHOLDER)
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


def _text() -> dict[str, Any]:
    return {"type": "string", **copy.deepcopy(_NOT_PLACEHOLDER)}


def envelope_schema(nats_subject: str) -> dict[str, Any]:
    """The strict schema of a whole event published on `nats_subject` (a catalogue subject)."""
    model = CATALOGUE[nats_subject]
    data = copy.deepcopy(model.model_json_schema(ref_template="#/$defs/{model}"))
    defs = data.pop("$defs", {})
    _tighten(data)
    _tighten(defs)
    producer = nats_subject.split(".")[1]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "data",
            "correlationid",
            "causationid",
            "actor",
        ],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": {"const": f"/vfund/{producer}"},
            "type": {"const": event_type(nats_subject)},
            "subject": {**_text(), "maxLength": 200},
            "time": {"type": "string", "format": "date-time", "pattern": r"(Z|\+00:00)$"},
            "datacontenttype": {"const": "application/json"},
            "data": data,
            "correlationid": {"type": "string", "format": "uuid"},
            "causationid": _text(),
            "actor": {**_text(), "maxLength": 64},
        },
        "$defs": defs,
    }


def strict_schemas() -> dict[str, dict[str, Any]]:
    """Every catalogue subject with the strict schema of its events."""
    return {subject: envelope_schema(subject) for subject in CATALOGUE}
