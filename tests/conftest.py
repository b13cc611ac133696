"""The suite's real servers: embedded NATS + PostgreSQL and the four services, once per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import Api, make_stack, stop_containers

from dev.provision import SERVICES
from dev.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("vfund")
    stack = make_stack(root)
    # VFUND_TEST_SERVICES=intake,audit starts only those (while one service is being worked on).
    only = tuple(n for n in os.environ.get("VFUND_TEST_SERVICES", "").split(",") if n)
    try:
        stack.start_services(only or SERVICES)
        yield stack
    finally:
        stack.stop()
        stop_containers()


@pytest.fixture(scope="session")
def api(stack: Stack) -> Api:
    return Api(stack)


@pytest.fixture(scope="session")
def logs_dir(stack: Stack) -> Path:
    return stack.root / "logs"
