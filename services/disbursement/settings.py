"""Disbursement settings on top of the common ones."""

from shared.settings import Settings


class DisbursementSettings(Settings):
    service: str = "disbursement"
    http_port: int = 8003
