"""The customer timeline: every interaction, newest first.

Entries are written in the same transaction as the change that causes them. Later areas
(orders, gifts, consent, mailings) add their types here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
    OPPORTUNITY_OPENED = "OPPORTUNITY_OPENED"
    OPPORTUNITY_STAGE_CHANGED = "OPPORTUNITY_STAGE_CHANGED"
    PLEDGE = "PLEDGE"
    INSTALMENT = "INSTALMENT"
    LEGACY = "LEGACY"
    ACTIVITY = "ACTIVITY"
    INVITATION = "INVITATION"
    PLEDGE_REMINDER = "PLEDGE_REMINDER"
    NOTE_ADDED = "NOTE_ADDED"
    NOTE_EDITED = "NOTE_EDITED"
    NOTE_DELETED = "NOTE_DELETED"
    # A pink note's entries are as sensitive as the note: OPPORTUNITIES only.
    PINK_NOTE_ADDED = "PINK_NOTE_ADDED"
    PINK_NOTE_EDITED = "PINK_NOTE_EDITED"
    PINK_NOTE_DELETED = "PINK_NOTE_DELETED"


@dataclass(frozen=True)
class TimelineEntry:
    customer_id: int
    type: TimelineEntryType
    summary: str
    details: dict[str, str] = field(default_factory=dict)
    # When the interaction happened, where that is not the moment it is recorded: a
    # box-office order synced late belongs where it was bought in a newest-first timeline.
    occurred_at: datetime | None = None
