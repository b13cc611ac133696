"""The boundaries of the shape (STYLE.md): who may import whom, read by the code's own imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    p.name for p in (ROOT / "services").iterdir() if p.is_dir() and (p / "app.py").exists()
)
FRAMEWORKS = ("fastapi", "starlette", "faststream", "nats", "asyncpg", "httpx", "jinja2")


def imports_of(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_every_service_is_found() -> None:
    assert {"intake", "assessment", "disbursement", "audit"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service_and_not_the_harness(service: str) -> None:
    for path in modules(ROOT / "services" / service):
        for name in imports_of(path):
            top = name.split(".")
            assert top[0] != "dev", f"{path.relative_to(ROOT)} imports {name}"
            if top[0] == "services" and len(top) > 1:
                assert top[1] == service, f"{path.relative_to(ROOT)} imports {name}"


def test_shared_imports_no_service_and_not_the_harness() -> None:
    for path in modules(ROOT / "shared"):
        for name in imports_of(path):
            assert name.split(".")[0] not in ("services", "dev"), f"{path} imports {name}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_is_free_of_io(service: str) -> None:
    folder = ROOT / "services" / service
    domain = [folder / "domain.py"] if (folder / "domain.py").exists() else []
    domain += modules(folder / "domain") if (folder / "domain").is_dir() else []
    assert domain, f"{service} has no domain.py or domain/"
    outer = {
        f"services.{service}.{room}"
        for room in ("app", "context", "repository", "commands", "handlers", "views")
    }
    for path in domain:
        for name in imports_of(path):
            assert name.split(".")[0] not in FRAMEWORKS, f"{path.relative_to(ROOT)} imports {name}"
            assert not any(name.startswith(room) for room in outer), (
                f"{path.relative_to(ROOT)} imports {name}"
            )
            assert not name.endswith("_api"), f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service: str) -> None:
    folder = ROOT / "services" / service
    for room in ("app.py", "context.py", "settings.py", "__main__.py", "migrations"):
        assert (folder / room).exists(), f"{service} lacks {room}"
