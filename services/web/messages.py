"""Words the pages share: the services' problem codes and the form errors, roles, statuses.

A page area with codes of its own registers them from its module (`register(...)`), so two
areas never edit this file at once."""

from __future__ import annotations

from services.web.domain.navigation import N_

PROBLEMS: dict[str, str] = {
    # validation (pydantic's codes, as the services name them in `errors[].code`)
    "missing": N_("This field is required."),
    "required": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "too-long": N_("This is too long."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "literal_error": N_("Choose one of the options."),
    "enum": N_("Choose one of the options."),
    "decimal_parsing": N_("Enter a number."),
    "decimal_max_places": N_("Too many decimal places for this currency."),
    "greater_than": N_("Enter an amount greater than zero."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_parsing": N_("Enter a date."),
    "bool_parsing": N_("Choose yes or no."),
    "value_error": N_("This value is not valid."),
    "control-characters": N_("Remove the control characters from this field."),
    # problems the services answer with
    "validation-error": N_("Some fields need your attention."),
    "forbidden-role": N_("Your role does not allow this."),
    "forbidden": N_("You may not do this."),
    "not-found": N_("This was not found, or is not yours to see."),
    "case-not-found": N_("This case was not found, or is not yours to see."),
    "version-mismatch": N_("Someone changed this meanwhile. Here is what it is now."),
    "changed-meanwhile": N_("Someone changed this meanwhile. Here is what it is now."),
    "if-match-required": N_("Reload the page and try again."),
    "conflict": N_("This cannot be done in the current state."),
    "concurrent-change": N_("Someone changed this meanwhile. Try again."),
    "unavailable": N_("A service is briefly unavailable. Try again in a moment."),
    "body-too-large": N_("What you sent is too large."),
    # the web service's own form errors
    "username-format": N_("Use 2 to 64 lower-case letters, digits, dots, dashes or underscores."),
    "username-taken": N_("This username is taken."),
    "email-format": N_("Enter an e-mail address like name@example.org."),
    "roles-required": N_("Choose at least one role."),
    "unknown-role": N_("Choose roles from the list."),
    "organisation-required": N_("These roles need an organisation."),
    "organisation-not-for-these-roles": N_(
        "Only caseworkers and organisation admins belong to an organisation."
    ),
    "organisation-unknown": N_("There is no organisation with this id."),
    "organisation-suspended": N_("This organisation is suspended."),
    "donor-required": N_("The donor role needs the donor's name as written on grants."),
    "donor-not-for-these-roles": N_("Only donors have a donor name."),
    "role-not-yours-to-give": N_("You may not give these roles."),
    "account-not-found": N_("This account was not found."),
    "organisation-not-found": N_("This organisation was not found."),
    "own-roles": N_("Another administrator must change your own roles."),
    "own-account": N_("Another administrator must disable your own account."),
    "already-disabled": N_("This account is already disabled."),
    "not-disabled": N_("This account is not disabled."),
    "no-second-factor": N_("This account has no second factor to reset."),
    "not-locked": N_("This account is not locked."),
    "admin-only": N_("Only an administrator may do this."),
    "org-id-format": N_("Use 2 to 40 lower-case letters, digits or dashes."),
    "org-id-taken": N_("This organisation id is taken."),
    "country-format": N_("Enter a two-letter country code, like LB."),
    "already-suspended": N_("This organisation is already suspended."),
    "not-suspended": N_("This organisation is not suspended."),
    "identity-taken": N_("This identity is already linked to an account."),
    "single-sign-on-off": N_("Single sign-on is not configured."),
    "invitation-used": N_("This invitation has already been used."),
    "invitation-not-valid": N_("This invitation link is no longer valid."),
    "enrolment-expired": N_("Start the enrolment again."),
    "code-wrong": N_("This code is not right. Check the time on your phone and try again."),
    "password-wrong": N_("This is not your current password."),
    "password-too-short": N_("Use at least 12 characters."),
    "password-too-long": N_("Use at most 256 characters."),
    "password-too-common": N_("This password is too common. Choose another."),
    "password-contains-username": N_("Do not use your username in your password."),
    "password-mismatch": N_("The two passwords are not the same."),
}

STATUS_MESSAGES: dict[int, str] = {
    400: N_("The request was not understood."),
    401: N_("Please sign in again."),
    403: N_("You may not do this."),
    404: N_("This was not found, or is not yours to see."),
    409: N_("This cannot be done in the current state."),
    412: N_("Someone changed this meanwhile. Here is what it is now."),
    413: N_("What you sent is too large."),
    422: N_("Some fields need your attention."),
    428: N_("Reload the page and try again."),
}

ROLE_LABELS: dict[str, str] = {
    "caseworker": N_("Caseworker"),
    "org_admin": N_("Organisation admin"),
    "medical_assessor": N_("Medical assessor"),
    "legal_assessor": N_("Legal assessor"),
    "fund_manager": N_("Fund manager"),
    "finance": N_("Finance officer"),
    "auditor": N_("Auditor"),
    "donor": N_("Donor"),
    "admin": N_("Administrator"),
}

CASE_STATUSES: dict[str, str] = {
    "submitted": N_("Submitted"),
    "in_assessment": N_("In assessment"),
    "information_requested": N_("Information requested"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "awaiting_funds": N_("Awaiting funds"),
    "payment_scheduled": N_("Payment scheduled"),
    "paid": N_("Paid"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
}

URGENCIES: dict[str, str] = {"emergency": N_("Emergency"), "standard": N_("Standard")}


def register(codes: dict[str, str]) -> None:
    """An area's own problem codes (mark each message with N_ in the area's module)."""
    PROBLEMS.update(codes)
