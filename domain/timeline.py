"""The customer timeline: every interaction, newest first.

Entries are written in the same transaction as the change that causes them. Later areas
(orders, gifts, consent, mailings) add their types here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from domain.roles import FUNDRAISING_READER, Role


class TimelineEntryType(StrEnum):
    CUSTOMER_CREATED = "CUSTOMER_CREATED"
    DETAILS_CHANGED = "DETAILS_CHANGED"
    DEACTIVATED = "DEACTIVATED"
    REACTIVATED = "REACTIVATED"
    RELATIONSHIP_ADDED = "RELATIONSHIP_ADDED"
    RELATIONSHIP_ENDED = "RELATIONSHIP_ENDED"
    HOUSEHOLD_JOINED = "HOUSEHOLD_JOINED"
    HOUSEHOLD_LEFT = "HOUSEHOLD_LEFT"
    PRIMARY_HOUSEHOLDER_CHANGED = "PRIMARY_HOUSEHOLDER_CHANGED"
    TICKETS = "TICKETS"
    MERCHANDISE = "MERCHANDISE"
    DONATION = "DONATION"
    MEMBERSHIP = "MEMBERSHIP"
    TICKET_SUBSCRIPTION = "TICKET_SUBSCRIPTION"
    FIXED_SERIES = "FIXED_SERIES"
    ITEMS_RETURNED = "ITEMS_RETURNED"
    RESERVATION = "RESERVATION"
    VISIT = "VISIT"
    OPPORTUNITY_STAGE_CHANGED = "OPPORTUNITY_STAGE_CHANGED"
    PLEDGE = "PLEDGE"
    INSTALMENT = "INSTALMENT"
    LEGACY = "LEGACY"
    ACTIVITY = "ACTIVITY"
    INVITATION = "INVITATION"
    PLEDGE_REMINDER = "PLEDGE_REMINDER"


_FUNDRAISING_ENTRIES = frozenset(
    {
        TimelineEntryType.OPPORTUNITY_STAGE_CHANGED,
        TimelineEntryType.PLEDGE,
        TimelineEntryType.INSTALMENT,
        TimelineEntryType.LEGACY,
        TimelineEntryType.ACTIVITY,
        TimelineEntryType.INVITATION,
        TimelineEntryType.PLEDGE_REMINDER,
    }
)

# The role that reads the subject of each type of entry; None where whoever may read the
# customer may read it. An entry shows what its subject shows (a pledge and its amount, a
# stage change), so it needs what the subject needs.
READER_OF: dict[TimelineEntryType, Role | None] = {
    kind: FUNDRAISING_READER if kind in _FUNDRAISING_ENTRIES else None for kind in TimelineEntryType
}


def readable_types(roles: Iterable[Role]) -> frozenset[TimelineEntryType]:
    """The entry types a caller holding `roles` may read."""
    held = frozenset(roles)
    return frozenset(kind for kind, role in READER_OF.items() if role is None or role in held)


@dataclass(frozen=True)
class TimelineEntry:
    customer_id: int
    type: TimelineEntryType
    summary: str
    details: dict[str, str] = field(default_factory=dict)
