"""The customer timeline in the API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from domain.timeline import TimelineEntryType as DomainTimelineEntryType
from resolvers.global_ids import to_global_id
from resolvers.nodes import load_object
from schema.errors import read

if TYPE_CHECKING:
    from schema.presenters import TimelineSubject

TimelineEntryType = strawberry.enum(
    DomainTimelineEntryType, description="What kind of interaction a timeline entry records."
)


# Details that name another object carry its row id; clients get the global id they can pass
# to `node(id:)`. Every key ending in `Id` that an entry writes is here: a test walks every
# entry type and resolves each such id through `node`.
_LINKS = {
    "relationshipId": "Relationship",
    "householdId": "Household",
    "orderId": "Order",
    "reservationId": "Reservation",
    "eventInstanceId": "EventInstance",
    "opportunityId": "Opportunity",
    "pledgeId": "Pledge",
    "legacyId": "Legacy",
    "activityId": "Activity",
    "invitationId": "Invitation",
    "preferenceId": "ContactPreference",
    "popUpNoteId": "PopUpNote",
    "mailingId": "Mailing",
}


def _detail_value(key: str, value: object) -> str:
    if key in _LINKS and str(value).isdigit():
        return to_global_id(_LINKS[key], int(str(value)))
    return str(value)


@strawberry.type(description="A key and value describing a timeline entry.")
class TimelineDetail:
    key: str = strawberry.field(description="What the value is.")
    value: str = strawberry.field(description="The value.")


@strawberry.type(description="One interaction with a customer.")
class TimelineEntry:
    type: TimelineEntryType = strawberry.field(description="What kind of interaction.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(
        description="When it happened (UTC): for an order, when it was bought, even when the "
        "box office sent it later. The timeline is ordered by this."
    )
    recorded_at: datetime = strawberry.field(
        description="When Foyer recorded it (UTC); later than `occurredAt` for an order or "
        "visit sent in after the fact."
    )
    summary: str = strawberry.field(description="One line to show a person.")
    actor: str = strawberry.field(description="Who or what recorded it.")
    details: list[TimelineDetail] = strawberry.field(
        description="Further facts, by key; those ending in `Id` are global ids."
    )
    subject_type: strawberry.Private[str | None]
    subject_pk: strawberry.Private[int | None]

    @strawberry.field(
        description="What the entry is about, to open without parsing `details`; null for an "
        "entry about nothing further, or when that has since been deleted."
    )
    async def subject(
        self, info: Info
    ) -> Annotated[TimelineSubject, strawberry.lazy("schema.presenters")] | None:
        from schema.presenters import present

        if self.subject_type is None or self.subject_pk is None:
            return None
        found = await read(load_object(info.context, self.subject_type, self.subject_pk))
        return await present(*found, info) if found is not None else None

    @classmethod
    def from_row(cls, row: Any) -> TimelineEntry:
        return cls(
            type=DomainTimelineEntryType(row.type),
            occurred_at=row.occurred_at,
            recorded_at=row.recorded_at or row.occurred_at,
            summary=row.summary,
            actor=row.actor,
            details=[
                TimelineDetail(key=k, value=_detail_value(k, v)) for k, v in row.details.items()
            ],
            subject_type=row.subject_type,
            subject_pk=row.subject_id,
        )
