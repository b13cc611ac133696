"""What a reader may ask of the log: indexes, sizes and periods within what it holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from shared.errors import DomainError, Refusal


def out_of_range(field: str, detail: str) -> DomainError:
    """A 422 naming the query parameter that lies outside the log."""
    return DomainError(
        Refusal.INVALID,
        "out-of-range",
        detail,
        errors=[{"field": f"query.{field}", "code": "out_of_range", "message": detail}],
    )


def no_tree_head() -> DomainError:
    return DomainError(Refusal.NOT_FOUND, "no-tree-head", "no tree head has been signed yet")


def check_tree_size(requested: int, *, field: str, logged: int) -> None:
    if requested > logged:
        raise out_of_range(field, f"{field} {requested} is beyond the log's {logged}")


def check_inclusion(index: int, size: int) -> None:
    if index >= size:
        raise out_of_range("index", f"index {index} is not below tree_size {size}")


def check_consistency(first: int, second: int) -> None:
    if first > second:
        raise out_of_range("first", f"first {first} is larger than second {second}")


def export_range(
    from_index: int, to_index: int | None, *, size: int, signed: int
) -> tuple[int, int]:
    """The first and last index (both included) an export holds; last is first - 1 when empty.

    Without to_index an export ends with the last entry the latest signed head covers (`signed`
    entries), so that its own trailer proves all of it: it is empty when from_index is at or
    beyond that. The end is fixed when the request arrives; the log may grow meanwhile."""
    if to_index is None:
        if from_index > size:
            detail = f"from_index {from_index} is beyond the log's {size} entries"
            raise out_of_range("from_index", detail)
        return from_index, max(signed, from_index) - 1
    if to_index >= size:
        detail = f"to_index {to_index} is beyond the log's last index {size - 1}"
        raise out_of_range("to_index", detail)
    if from_index > to_index:
        raise out_of_range("from_index", f"from_index {from_index} is after to_index {to_index}")
    return from_index, to_index


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise out_of_range("from", f"from {start} is after to {end}")


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[since, until) instants of the days from start to end (both included), in UTC."""
    since = None if start is None else datetime.combine(start, time(), UTC)
    if end is None or end == date.max:
        return since, None
    return since, datetime.combine(end + timedelta(days=1), time(), UTC)
