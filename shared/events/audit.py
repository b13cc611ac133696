"""Events published by the audit service."""

from typing import Annotated

from pydantic import Field

from shared.events.envelope import EventData

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class TreeHeadSigned(EventData):
    """A signed tree head of the audit log, as GET /tree-heads serves it (CONTRACT section 4)."""

    tree_size: int = Field(ge=1)
    root_hash: Hex64
    # RFC 3339 UTC with milliseconds: one spelling per instant, as signed.
    timestamp: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    # Base64 of the 64-byte Ed25519 signature.
    signature: str = Field(pattern=r"^[A-Za-z0-9+/]{86}==$")
    key_id: Hex64  # SHA-256 of the public key's DER SubjectPublicKeyInfo
