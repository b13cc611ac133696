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
            return rfc8785.dumps(value)  # the reference decides: its error, or its bytes
        if out.isascii() or _keys_sort_alike(value):
            return out
    return rfc8785.dumps(value)


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
