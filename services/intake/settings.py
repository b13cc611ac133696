"""Intake settings: keys for personal data on top of the common ones."""

from pathlib import Path

from shared.settings import Settings


class IntakeSettings(Settings):
    http_port: int = 8001
    master_key: str | None = None
    master_key_file: Path | None = None
    blind_index_key: str | None = None
    blind_index_key_file: Path | None = None
