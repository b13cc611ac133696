"""Audit settings: the tree-head signing key on top of the common ones."""

from pathlib import Path

from shared.settings import Settings


class AuditSettings(Settings):
    service: str = "audit"
    http_port: int = 8004
    audit_signing_key: Path | None = None
    audit_public_key: Path | None = None
    audit_key_id: str = "audit-dev-1"
    tree_head_interval_seconds: float = 5.0
