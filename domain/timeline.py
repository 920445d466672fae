"""The customer timeline: every interaction, newest first.

Entries are written in the same transaction as the change that causes them. Later areas
(orders, gifts, consent, mailings) add their types here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidInput
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
    OPPORTUNITY_OPENED = "OPPORTUNITY_OPENED"
    OPPORTUNITY_STAGE_CHANGED = "OPPORTUNITY_STAGE_CHANGED"
    PLEDGE = "PLEDGE"
    INSTALMENT = "INSTALMENT"
    LEGACY = "LEGACY"
    ACTIVITY = "ACTIVITY"
    INVITATION = "INVITATION"
    PLEDGE_REMINDER = "PLEDGE_REMINDER"
    CONSENT_GRANTED = "CONSENT_GRANTED"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    CUSTOMER_ERASED = "CUSTOMER_ERASED"
    NOTE_ADDED = "NOTE_ADDED"
    NOTE_EDITED = "NOTE_EDITED"
    NOTE_DELETED = "NOTE_DELETED"
    # A pink note's entries are as sensitive as the note: OPPORTUNITIES only.
    PINK_NOTE_ADDED = "PINK_NOTE_ADDED"
    PINK_NOTE_EDITED = "PINK_NOTE_EDITED"
    PINK_NOTE_DELETED = "PINK_NOTE_DELETED"
    MAILING_SENT = "MAILING_SENT"


# The role that reads the subject of each type of entry; None where whoever may read the
# customer may read it. An entry shows what its subject shows (a pledge and its amount, a
# stage change), so it needs what the subject needs. Every type is listed, none by default:
# a new type that is not here fails a unit test, so its reader is always a decision.
_EVERYONE: Role | None = None
READER_OF: dict[TimelineEntryType, Role | None] = {
    TimelineEntryType.CUSTOMER_CREATED: _EVERYONE,
    TimelineEntryType.DETAILS_CHANGED: _EVERYONE,
    TimelineEntryType.DEACTIVATED: _EVERYONE,
    TimelineEntryType.REACTIVATED: _EVERYONE,
    TimelineEntryType.RELATIONSHIP_ADDED: _EVERYONE,
    TimelineEntryType.RELATIONSHIP_ENDED: _EVERYONE,
    TimelineEntryType.HOUSEHOLD_JOINED: _EVERYONE,
    TimelineEntryType.HOUSEHOLD_LEFT: _EVERYONE,
    TimelineEntryType.PRIMARY_HOUSEHOLDER_CHANGED: _EVERYONE,
    TimelineEntryType.TICKETS: _EVERYONE,
    TimelineEntryType.MERCHANDISE: _EVERYONE,
    TimelineEntryType.DONATION: _EVERYONE,
    TimelineEntryType.MEMBERSHIP: _EVERYONE,
    TimelineEntryType.TICKET_SUBSCRIPTION: _EVERYONE,
    TimelineEntryType.FIXED_SERIES: _EVERYONE,
    TimelineEntryType.ITEMS_RETURNED: _EVERYONE,
    TimelineEntryType.RESERVATION: _EVERYONE,
    TimelineEntryType.VISIT: _EVERYONE,
    # What a customer agreed to be contacted about matters to everyone who contacts them.
    TimelineEntryType.CONSENT_GRANTED: _EVERYONE,
    TimelineEntryType.CONSENT_WITHDRAWN: _EVERYONE,
    TimelineEntryType.CUSTOMER_ERASED: _EVERYONE,
    TimelineEntryType.NOTE_ADDED: _EVERYONE,
    TimelineEntryType.NOTE_EDITED: _EVERYONE,
    TimelineEntryType.NOTE_DELETED: _EVERYONE,
    TimelineEntryType.OPPORTUNITY_OPENED: FUNDRAISING_READER,
    TimelineEntryType.OPPORTUNITY_STAGE_CHANGED: FUNDRAISING_READER,
    TimelineEntryType.PLEDGE: FUNDRAISING_READER,
    TimelineEntryType.INSTALMENT: FUNDRAISING_READER,
    TimelineEntryType.LEGACY: FUNDRAISING_READER,
    TimelineEntryType.ACTIVITY: FUNDRAISING_READER,
    TimelineEntryType.INVITATION: FUNDRAISING_READER,
    TimelineEntryType.PLEDGE_REMINDER: FUNDRAISING_READER,
    # A pink note's entries are as sensitive as the note.
    TimelineEntryType.PINK_NOTE_ADDED: FUNDRAISING_READER,
    TimelineEntryType.PINK_NOTE_EDITED: FUNDRAISING_READER,
    TimelineEntryType.PINK_NOTE_DELETED: FUNDRAISING_READER,
    # An entry shows its mailing (name, subject), which is read with INSIGHTS.
    TimelineEntryType.MAILING_SENT: Role.INSIGHTS,
}


def readable_types(roles: Iterable[Role]) -> frozenset[TimelineEntryType]:
    """The entry types a caller holding `roles` may read."""
    held = frozenset(roles)
    return frozenset(kind for kind, role in READER_OF.items() if role is None or role in held)


@dataclass(frozen=True)
class Subject:
    """What an entry is about, by the name of its type in the API and its row id: stored
    with the entry, so a client opens it without parsing the details."""

    type: str
    id: int


# A change to the record itself: resolved to the Individual or Organisation it is.
CUSTOMER = "Customer"


@dataclass(frozen=True)
class TimelineEntry:
    customer_id: int
    type: TimelineEntryType
    summary: str
    details: dict[str, str] = field(default_factory=dict)
    # When the interaction happened, where that is not the moment it is recorded: a
    # box-office order synced late belongs where it was bought in a newest-first timeline.
    occurred_at: datetime | None = None
    subject: Subject | None = None
    # The opportunity the entry counts towards (the opportunity itself, its pledges and
    # their instalments and reminders, its activities, orders with items linked to it,
    # reservations held for it): filtering a timeline by opportunity is one condition.
    opportunity_id: int | None = None


@dataclass(frozen=True)
class TimelineCriteria:
    """Which of a customer's entries to list: of `types` (default all), counting towards
    `opportunity_id`, occurred at or after `occurred_from` and before `occurred_before`."""

    customer_id: int
    types: frozenset[TimelineEntryType] = frozenset()
    opportunity_id: int | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None

    def check(self) -> None:
        if (
            self.occurred_from is not None
            and self.occurred_before is not None
            and self.occurred_from > self.occurred_before
        ):
            raise InvalidInput.at(("to",), "The range ends before it starts.")


@dataclass(frozen=True)
class OpportunityLink:
    """The entries about `subjects` now count towards `opportunity_id`: something recorded
    before it was linked to the opportunity follows it into the opportunity's timeline."""

    subjects: tuple[Subject, ...]
    opportunity_id: int | None
