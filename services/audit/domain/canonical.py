"""RFC 8785 (JCS) canonical JSON: orjson where it is byte-identical, the reference elsewhere."""

from __future__ import annotations

from typing import TypeAlias

import orjson
import rfc8785

JsonValue: TypeAlias = "dict[str, JsonValue] | list[JsonValue] | str | int | float | bool | None"

# Strict integers make orjson raise beyond ±(2**53 - 1), exactly where rfc8785 raises.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
# Scalars orjson writes exactly as JCS does (every code point's escaping is tested). Floats
# are not among them: JCS formats numbers the ECMAScript way (1.0 -> 1, 1e20 -> 100000...).
_SAME_SCALARS = frozenset({str, int, bool, type(None)})
# orjson sorts keys by code point, JCS by UTF-16 code unit: the orders differ only between
# U+E000..U+FFFF and characters beyond the BMP (whose surrogates sort below U+E000).
_FIRST_DIVERGENT_KEY_CHAR = "\ue000"

_Container: TypeAlias = "dict[str, object] | list[object]"


def canonical_json(value: JsonValue) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value; raises rfc8785's errors for what JCS cannot
    represent (NaN, infinities, integers beyond ±(2**53 - 1), lone surrogates, non-string keys)."""
    if type(value) in _SAME_SCALARS or _only_same_scalars(value):
        try:
            out = orjson.dumps(value, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return _reference(value)  # the reference decides: its error, or its bytes
        if out.isascii() or _keys_sort_alike(value):
            return out
    return _reference(value)


def _reference(value: JsonValue) -> bytes:
    """rfc8785's bytes. It recurses once per level of nesting, and JSON parsers accept values
    nested deeper than Python's recursion limit (orjson: 1024 levels), so how deep it gets
    would depend on the caller's stack: such values are written level by level instead, with
    rfc8785 for each scalar and key, and JCS's key order (by UTF-16 code units)."""
    try:
        return rfc8785.dumps(value)
    except RecursionError:
        return _nested(value)


class _Text(bytes):
    """Punctuation or a key, already written, waiting on _nested's stack."""


def _nested(value: JsonValue) -> bytes:
    out: list[bytes] = []
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if type(item) is _Text:
            out.append(item)
        elif isinstance(item, dict):
            parts: list[object] = [_Text(b"{")]
            for n, key in enumerate(sorted(item, key=_utf16)):
                parts += [_Text((b"," if n else b"") + rfc8785.dumps(key) + b":"), item[key]]
            pending += reversed([*parts, _Text(b"}")])
        elif isinstance(item, list):
            parts = [_Text(b"[")]
            for n, element in enumerate(item):
                parts += [_Text(b",")] if n else []
                parts.append(element)
            pending += reversed([*parts, _Text(b"]")])
        else:
            out.append(rfc8785.dumps(item))  # type: ignore[arg-type]  # its error if not JSON
    return b"".join(out)


def _utf16(key: object) -> bytes:
    if not isinstance(key, str):
        raise rfc8785.CanonicalizationError(f"object keys must be strings, not {type(key)}")
    return key.encode("utf-16-be", "surrogatepass")


def _only_same_scalars(value: object) -> bool:
    """True when value is built only of exact dicts and lists of the scalars in _SAME_SCALARS."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return False
    stack: list[_Container] = [value]  # type: ignore[list-item]  # checked exactly just above
    while stack:
        container = stack.pop()
        items = container.values() if type(container) is dict else container
        for item in items:
            item_kind = type(item)
            if item_kind is str:
                continue
            if item_kind is dict or item_kind is list:
                stack.append(item)  # type: ignore[arg-type]
            elif item_kind not in _SAME_SCALARS:
                return False
    return True


def _keys_sort_alike(value: object) -> bool:
    """True when no object key could sort differently by UTF-8 bytes and by UTF-16 units."""
    stack: list[object] = [value]
    while stack:
        container = stack.pop()
        if type(container) is dict:
            if any(key and max(key) >= _FIRST_DIVERGENT_KEY_CHAR for key in container):
                return False
            stack.extend(container.values())
        elif type(container) is list:
            stack.extend(container)
    return True
