"""Finding the first entry that differs from a signed tree with the service's inclusion proofs:
exact with an honest service, never a wrong index with a dishonest one, about a proof a level."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain import merkle
from services.audit.domain.locate import (
    Difference,
    InclusionAnswer,
    Unanswered,
    first_difference,
)
from services.audit.domain.memory_tree import MemoryTree


def leaves(n: int, tag: str = "leaf") -> list[bytes]:
    return [merkle.leaf_hash(f"{tag} {i}".encode()) for i in range(n)]


Ask = Callable[[int, int], InclusionAnswer]


def service(tree: MemoryTree, log: list[str] | None = None) -> Ask:
    """GET /proofs/inclusion over a stored tree (the service's, honest or not)."""

    def ask(index: int, tree_size: int) -> InclusionAnswer:
        if log is not None:
            log.append(f"{index}/{tree_size}")
        return InclusionAnswer(tree.node(0, index), tree.inclusion_proof(index, tree_size))

    return ask


def locate(exported: list[bytes], signed: list[bytes], ask: Ask, first: int = 0) -> Difference:
    """The first exported leaf (indexes first..) that differs from the signed tree."""
    local = MemoryTree(exported, first=first)
    return first_difference(
        first=first,
        end=first + len(exported),
        tree_size=len(signed),
        root=MemoryTree(signed).root(),
        local=lambda a, b: merkle.subtree_hash(a, b, local.node),
        ask=ask,
    )


@st.composite
def altered(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], int]:
    """(signed log, export, first differing index): an entry changed, removed, inserted or two
    swapped, each with contiguous indexes (what only the signed root can catch)."""
    signed = leaves(draw(st.integers(min_value=2, max_value=200)))
    exported = list(signed)
    how = draw(st.sampled_from(["change", "remove", "insert", "swap"]))
    at = draw(st.integers(min_value=0, max_value=len(signed) - 2))
    if how == "change":
        exported[at] = merkle.leaf_hash(b"forged")
    elif how == "remove":
        del exported[at]
        exported.append(merkle.leaf_hash(b"padding"))  # the same count, shifted
    elif how == "insert":
        exported = [*exported[:at], merkle.leaf_hash(b"forged"), *exported[at:-1]]
    else:
        exported[at], exported[at + 1] = exported[at + 1], exported[at]
    return signed, exported, at


@given(altered())
def test_an_honest_service_names_the_first_entry_that_differs(
    case: tuple[list[bytes], list[bytes], int],
) -> None:
    signed, exported, at = case
    asked: list[str] = []
    found = locate(exported, signed, service(MemoryTree(signed), asked))
    assert (found.index, found.low, found.high, found.why) == (at, at, at, "")
    assert found.proofs == len(set(asked)) <= 2 * len(signed).bit_length()


@given(altered(), st.data())
def test_a_part_of_the_log_is_searched_within_its_range(
    case: tuple[list[bytes], list[bytes], int], data: st.DataObject
) -> None:
    signed, exported, at = case
    first = data.draw(st.integers(min_value=0, max_value=at))
    found = locate(exported[first:], signed, service(MemoryTree(signed)), first=first)
    assert found.index == at


@given(altered())
def test_a_service_whose_tree_was_rewritten_never_gets_a_wrong_entry_named(
    case: tuple[list[bytes], list[bytes], int],
) -> None:
    """The service answers from the altered log itself (its database was rewritten to match the
    export): it cannot prove anything under the altered part, and the search says so."""
    signed, exported, at = case
    found = locate(exported, signed, service(MemoryTree(exported)))
    assert found.index in (None, at)
    if found.index is None:
        assert found.low <= at <= found.high
        assert "differs from what it signed" in found.why


def test_an_unreachable_service_is_named_and_the_range_kept() -> None:
    signed = leaves(20)
    exported = [*signed[:7], merkle.leaf_hash(b"forged"), *signed[8:]]

    def down(index: int, tree_size: int) -> InclusionAnswer:
        raise Unanswered("ConnectError from http://audit")

    found = locate(exported, signed, down)
    assert (found.index, found.low, found.high) == (None, 0, 19)
    assert "ConnectError" in found.why


@pytest.mark.parametrize("garbage", ["short path", "wrong leaf", "wrong path"])
def test_answers_that_do_not_hash_up_to_the_signed_root_are_not_believed(garbage: str) -> None:
    signed = leaves(33)
    exported = [*signed[:20], merkle.leaf_hash(b"forged"), *signed[21:]]
    honest = MemoryTree(signed)

    def lying(index: int, tree_size: int) -> InclusionAnswer:
        path = honest.inclusion_proof(index, tree_size)
        if garbage == "short path":
            return InclusionAnswer(honest.node(0, index), path[:-1])
        if garbage == "wrong leaf":  # claims the export's forged leaf is the signed one
            return InclusionAnswer(exported[index], path)
        return InclusionAnswer(honest.node(0, index), [merkle.leaf_hash(b"x")] * len(path))

    found = locate(exported, signed, lying)
    assert found.index in (None, 20)
    if garbage != "wrong leaf":
        assert found.index is None


def test_when_no_exported_entry_differs_the_search_says_so() -> None:
    signed = leaves(12)
    found = locate(signed[4:9], signed, service(MemoryTree(signed)), first=4)
    assert found.index is None
    assert "range proof" in found.why
