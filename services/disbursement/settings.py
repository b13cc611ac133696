"""Disbursement settings on top of the common ones."""

from decimal import Decimal

from pydantic import Field, field_validator

from shared.settings import Settings


def compact_account(account: str) -> str:
    """An account as statements are matched against it: no spaces, upper case."""
    return "".join(account.split()).upper()


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
    # The largest bank file (camt.053/.054, pain.002) POST /statements takes, in bytes
    # (VFUND_STATEMENT_MAX_BYTES); a fund's daily statement is a few hundred kB. The default is
    # the reconciliation package's MAX_BYTES (not imported here: it loads the XSD machinery).
    statement_max_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # The accounts statements are reconciled for (VFUND_STATEMENT_ACCOUNTS, a JSON list of IBANs
    # or other account ids): the debtor IBAN's when empty. A statement of any other account is
    # refused (409), for it cannot be about vfund's payments.
    statement_accounts: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("statement_accounts")
    @classmethod
    def _accounts(cls, accounts: list[str]) -> list[str]:
        compact = [compact_account(a) for a in accounts]
        for account in compact:
            if not (5 <= len(account) <= 34 and account.isascii() and account.isalnum()):
                raise ValueError("a statement account is 5 to 34 letters and digits")
        return compact

    @property
    def reconciled_accounts(self) -> list[str]:
        return self.statement_accounts or [compact_account(self.debtor_iban)]
