"""The fast canonical JSON is byte-identical to the rfc8785 reference, or fails where it fails."""

from __future__ import annotations

import enum
import sys
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain.canonical import _nested, canonical_json


def same_as_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (ValueError, RecursionError) as error:  # rfc8785 lets UnicodeEncodeError through
        with pytest.raises(type(error)):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


EVENT = {
    "specversion": "1.0",
    "id": "6f1c2f2e-8a0b-4d7e-9a57-3c1d2b1a0f00",
    "source": "vfund/intake",
    "type": "org.vfund.intake.case.submitted.v1",
    "subject": "case/42",
    "time": "2026-11-22T15:30:00.123Z",
    "datacontenttype": "application/json",
    "correlationid": None,
    "data": {"items": [{"amount": "1250.00", "currency": "CHF"}], "urgent": True, "n": -7},
}

CASES: list[Any] = [
    EVENT,
    {},
    [],
    {"a": {}, "b": [], "c": [[], {}]},
    {"z": 1, "a": 2, "m": {"y": None, "b": False}},
    {"name": "Zoë Łukasiewicz — 東京 😀", "ключ": "значение"},
    {"esc": '"\\/\b\f\n\r\t\x00\x01\x1f\x7f\u2028\u2029\ufeff'},
    {"big": 2**53 - 1, "neg": -(2**53 - 1), "zero": 0, "minus": -1},
    {"too big": 2**53},
    {"too small": -(2**53)},
    {"float": 1.0},
    {"float": [0.1, -0.0, 1e20, 1e21, 1e-6, 1e-7, 123.456, 5e-324, 1.7976931348623157e308]},
    {"nan": float("nan")},
    {"inf": [float("-inf")]},
    {"\ue000": 1, "\U0001f600": 2, "a": 3},  # UTF-16 order puts the emoji first
    {"\uffff": 1, "\U00010000": 2},
    {"\ud800": 1},
    {"s": "\udfff"},
    {1: "int key"},
    "\U0001f600",
    "plain",
    12,
    True,
    None,
    2.5,
    [1, "two", [3, [4, {"five": 5}]]],
    {"deep": [[[[[[[[[[{"x": [1]}]]]]]]]]]]},
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_matches_reference(value: Any) -> None:
    same_as_reference(value)


def test_floats_and_non_bmp_keys_really_differ_in_orjson() -> None:
    # the two fallbacks this module relies on are real, not assumed
    assert orjson.dumps(1.0) != rfc8785.dumps(1.0)
    keys = {"\ue000": 1, "\U0001f600": 2}
    assert orjson.dumps(keys, option=orjson.OPT_SORT_KEYS) != rfc8785.dumps(keys)


def test_events_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = rfc8785.dumps(EVENT)

    def refuse(value: Any) -> bytes:
        raise AssertionError("took the slow path")

    monkeypatch.setattr(rfc8785, "dumps", refuse)
    assert canonical_json(EVENT) == expected
    assert canonical_json({"ключ": ["東京 😀"]}) == '{"ключ":["東京 😀"]}'.encode()


def test_every_code_point_is_escaped_alike() -> None:
    code_points = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(code_points), 4096):
        chunk = [chr(cp) for cp in code_points[start : start + 4096]]
        assert orjson.dumps(chunk) == rfc8785.dumps(chunk)
        assert canonical_json(chunk) == rfc8785.dumps(chunk)


def test_nesting_beyond_orjson_limit_falls_back() -> None:
    value: list[Any] = []
    inner = value
    for _ in range(300):
        inner.append([])
        inner = inner[0]
    assert canonical_json(value) == rfc8785.dumps(value)


def test_non_json_types_go_to_the_reference() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    same_as_reference({"c": Colour.RED, "l": Level.HIGH, "t": (1, 2)})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"b": b"bytes"})  # type: ignore[dict-item]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.text(alphabet=st.characters(min_codepoint=0xE000, max_codepoint=0x1F64F))
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text()
            | st.text(alphabet=st.characters(min_codepoint=0xDF00, max_codepoint=0x10100)),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=1000, deadline=None)
@given(json_values)
def test_property_identical_to_reference(value: Any) -> None:
    same_as_reference(value)


@settings(max_examples=1000, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet=st.characters(codec="utf-8")),
        st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
        max_size=8,
    )
)
def test_property_fast_path_events(value: dict[str, Any]) -> None:
    # float-free values of the kind events carry take the orjson path; still identical
    assert canonical_json({"data": value}) == rfc8785.dumps({"data": value})


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_property_the_level_by_level_writer_matches_the_reference(value: Any) -> None:
    """What values nested deeper than Python's recursion limit are written with."""
    try:
        expected = rfc8785.dumps(value)
    except ValueError:
        with pytest.raises(ValueError):
            _nested(value)
    else:
        assert _nested(value) == expected


def test_values_nested_deeper_than_the_recursion_limit_are_written_as_the_reference() -> None:
    """JSON parsers take up to 1024 levels, more than rfc8785's recursion can: the bytes must
    not depend on how deep the caller's stack is (the service and the verifier agree)."""
    text = '{"k":' * 1020 + '[1.5,"é",{"b":1,"a":[null,true,-0.0,1e21]}]' + "}" * 1020
    value = orjson.loads(text)
    got = canonical_json(value)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        expected = rfc8785.dumps(value)
    finally:
        sys.setrecursionlimit(limit)
    assert got == expected
