"""Audit settings: the tree-head signing key and cadence on top of the common ones."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import Settings


class AuditSettings(Settings):
    http_port: int = 8004
    # PEM PKCS#8 Ed25519 private key that signs tree heads, and (optionally) its public key,
    # checked to match at startup. The key id served is the SHA-256 of the public key's SPKI DER.
    audit_signing_key: Path | None = None
    audit_public_key: Path | None = None
    # A head at least this often while entries arrive (the contract asks for <= 10 s).
    tree_head_interval_seconds: float = Field(default=5.0, gt=0, le=10)
    # Events appended per transaction at most (one fetch of the log's consumer).
    audit_batch: int = Field(default=500, gt=0)


class VerifierSettings(BaseSettings):
    """What the offline verifier reads from its environment (`vfund audit verify`)."""

    model_config = SettingsConfigDict(env_prefix="VFUND_", extra="ignore")

    # Bearer token for `--against`, when not given with `--token`.
    token: str | None = None
