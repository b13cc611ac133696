"""Disbursement settings on top of the common ones."""

from decimal import Decimal

from pydantic import Field

from shared.settings import Settings


class DisbursementSettings(Settings):
    http_port: int = 8003
    # The fund's own account that batches are paid from (VFUND_DEBTOR_*); the default is the
    # published ISO 13616 example IBAN, good for demos and tests, never for a real bank.
    debtor_name: str = "vfund Victims Fund"
    debtor_iban: str = "CH9300762011623852957"
    debtor_bic: str | None = None
    # A proposed exchange rate further than this from the confirmed rate of its pair (as a
    # fraction: 0.25 = ±25 %) is flagged to the officer who confirms it (VFUND_FX_MAX_DEVIATION).
    fx_max_deviation: Decimal = Field(default=Decimal("0.25"), gt=0, le=100)
