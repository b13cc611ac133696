"""shared.consume wraps one private FastStream API; these fail when FastStream changes it."""

from __future__ import annotations

import inspect

from faststream import Context, ContextRepo

from shared.consume import FromContext


def test_from_context_subclasses_the_class_faststreams_context_factory_returns() -> None:
    assert type(Context("context")) is FromContext.__mro__[1]


async def test_from_context_resolves_on_the_loop_what_the_stock_context_resolves() -> None:
    assert inspect.iscoroutinefunction(FromContext.use)
    repo = ContextRepo()
    repo.set_global("context", marker := object())
    ours, stock = FromContext("context"), Context("context")
    ours.param_name = stock.param_name = "ctx"
    resolved = await ours.use(context__=repo)
    assert resolved["ctx"] is marker
    assert stock.use(context__=repo)["ctx"] is marker
