"""Every pydantic model of vfund builds.

Request bodies, responses and event payloads are built on first use (`defer_build`), not at
import, to keep each service's memory down; a model that cannot build (a forward reference
that does not resolve, a bad constraint) would then fail on the first request or event that
uses it instead of at startup. This test builds them all."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pydantic import BaseModel

import services
import shared


def _vfund_models() -> list[type[BaseModel]]:
    for package in (shared, services):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith(("shared.", "services.")) and "[" not in sub.__name__:
                found.append(sub)
    return found


MODELS = _vfund_models()


def test_the_request_and_event_models_are_built_on_first_use() -> None:
    deferred = {m.__name__ for m in MODELS if m.model_config.get("defer_build")}
    assert {"CaseIn", "DecisionIn", "GrantIn", "CaseApproved", "PaymentScheduled"} <= deferred


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_every_model_builds(model: type[BaseModel]) -> None:
    model.model_rebuild(force=True)
    assert model.__pydantic_complete__
    assert model.model_json_schema()["type"] == "object"
