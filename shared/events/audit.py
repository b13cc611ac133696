"""Events published by the audit service."""

from shared.events.envelope import EventData


class TreeHeadSigned(EventData):
    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    key_id: str
