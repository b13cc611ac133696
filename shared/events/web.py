"""Events published by the web service: organisations, accounts, sign-ins — ids and codes only,
never a name, an e-mail address, an IP address or a password (contract section 7)."""

from typing import Literal

from shared.events.common import CountryCode, Id
from shared.events.envelope import EventData

OrganisationStatus = Literal["active", "suspended"]


class OrganisationChanged(EventData):
    """`vfund.web.organisation.registered | updated | suspended | reinstated`."""

    org_id: Id
    country: CountryCode
    status: OrganisationStatus
    by: Id


class UserChanged(EventData):
    """`vfund.web.user.invited | activated | roles_changed | disabled | enabled | mfa_reset |
    locked | unlocked | identity_linked`: the account's roles and organisation after the change."""

    user_id: Id
    roles: list[str]
    org_id: Id | None = None
    by: Id


class UserSignedIn(EventData):
    user_id: Id
    method: Literal["password", "oidc"]
    mfa: bool
