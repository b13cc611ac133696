"""What the finance pages share (/finance/grants, /finance/batches, /finance/statements): who
may come, the step-up for a second officer's decision, the refusals the disbursement service
names in their own words. No router: each resource has its page module (finance_*.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from services.web.access import PageNotFound, User, role_required, stepped_up
from services.web.context import Ctx
from services.web.domain.navigation import N_
from services.web.messages import register

Finance = Annotated[User, role_required("finance")]


async def _finance_stepped_up(request: Request, ctx: Ctx, user: Finance) -> User:
    """A finance officer (else the 403 page, before any code is asked) who gave the second
    factor in the last five minutes (else asked again)."""
    return await stepped_up(request, ctx, user)


FinanceStepUp = Annotated[User, Depends(_finance_stepped_up)]


def uuid_or_404(value: str) -> str:
    """A path id as the service names it; anything else is a page that does not exist."""
    try:
        return str(UUID(value))
    except ValueError:
        raise PageNotFound from None


def if_match(version: int | None) -> dict[str, str]:
    return {"If-Match": f'"{version}"'} if version is not None else {}


# Keyed as the problem's type names them (dashes); `errors[].code` with underscores finds them too.
register(
    {
        "statement-already-imported": N_("This statement was imported before: nothing changed."),
        "status-report-already-imported": N_(
            "This status report was imported before: nothing changed."
        ),
        "statement-other-account": N_(
            "This statement is for an account the fund does not pay from."
        ),
        "bank-file-empty": N_("The file is empty."),
        "bank-file-not-xml": N_("The file is not a bank file in XML."),
        "bank-file-invalid": N_("The file does not follow its ISO 20022 schema."),
        "bank-file-unsupported": N_("Only camt.053, camt.054 and pain.002 files can be imported."),
        "bank-file-forbidden-xml": N_("The file uses XML features that are not accepted."),
        "bank-file-too-large": N_("The file is too large."),
        "bank-file-too-deep": N_("The file is too large."),
        "statement-same-officer": N_("Another finance officer than the importer must do this."),
        "entry-not-unmatched": N_("This entry was already settled."),
        "unknown-payment": N_("No payment has this id."),
        "invalid-payment-choice": N_("These payments do not fit this entry."),
        "payment-already-paid": N_("This payment was paid already."),
        "payment-not-with-bank": N_("This payment is not in an approved batch."),
        "batch-same-officer": N_("Another finance officer must approve it."),
        "grant-below-committed": N_(
            "The amount cannot drop below what is reserved and paid from this grant."
        ),
        "grant-amount-not-positive": N_("A grant keeps an amount above zero."),
        "payment-not-open": N_("This payment can no longer be changed."),
        "payment-not-in-approved-batch": N_("Only a payment in an approved batch can fail."),
        "payee-not-active": N_("This payee's bank details are not confirmed yet."),
        "payee-other-org": N_("This payee is registered for another organisation."),
        "split-must-cover-payment": N_("The parts must add up to the payment exactly."),
        "over-approved-total": N_("The parts add up to more than the payment."),
    }
)
