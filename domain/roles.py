"""Staff and API-key roles, and which roles imply others."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.errors import InvalidInput


class Role(StrEnum):
    SALES = "SALES"
    OPPORTUNITIES = "OPPORTUNITIES"
    OPPORTUNITIES_ADMIN = "OPPORTUNITIES_ADMIN"
    INSIGHTS = "INSIGHTS"
    INSIGHTS_ADMIN = "INSIGHTS_ADMIN"
    SETTINGS_ADMIN = "SETTINGS_ADMIN"
    PROTECTED_DATA = "PROTECTED_DATA"


FUNDRAISING_READER = Role.OPPORTUNITIES
"""The role that reads fundraising (opportunities, pledges, legacies, activities, invitations)
and inactive customers, however they are reached: their fields, `node`, the timeline, jobs
and their files. Admins hold it by implication."""

MAILING_READER = Role.INSIGHTS
"""The role that reads mailings, their runs and their deliveries."""

# What reading each kind of record needs, by its name (the API's type names), however it
# is reached: a field of another record, a page of them, `node`. One place, so that no way
# in can forget it.
READ_ROLES: dict[str, Role] = {
    **dict.fromkeys(
        (
            "Campaign",
            "OpportunityStage",
            "Opportunity",
            "StaffUser",
            "Pledge",
            "Instalment",
            "Legacy",
            "Activity",
            "Invitation",
        ),
        FUNDRAISING_READER,
    ),
    "Mailing": MAILING_READER,
}

# An admin role implies the matching user role (domain.md, "People").
_IMPLIED = {
    Role.OPPORTUNITIES_ADMIN: Role.OPPORTUNITIES,
    Role.INSIGHTS_ADMIN: Role.INSIGHTS,
}


def effective_roles(granted: Iterable[Role]) -> frozenset[Role]:
    roles = set(granted)
    roles.update(_IMPLIED[r] for r in list(roles) if r in _IMPLIED)
    return frozenset(roles)


def parse_roles(names: Iterable[str], field: tuple[str, ...] = ("roles",)) -> frozenset[Role]:
    roles = set()
    for name in names:
        cleaned = name.strip().upper()
        if not cleaned:
            continue
        try:
            roles.add(Role(cleaned))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput.at(field, f"Unknown role {name!r}; known roles: {known}.") from None
    return frozenset(roles)
