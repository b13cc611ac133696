"""The stylesheet and htmx, served by the service itself (no other host), versioned by hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    version: str


class Assets:
    def __init__(self, folder: Path = STATIC) -> None:
        self.files = {
            path.name: Asset(
                path.read_bytes(),
                TYPES[path.suffix],
                hashlib.sha256(path.read_bytes()).hexdigest()[:12],
            )
            for path in sorted(folder.iterdir())
            if path.suffix in TYPES
        }

    def url(self, name: str) -> str:
        return f"/static/{name}?v={self.files[name].version}"
