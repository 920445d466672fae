"""Events of the customer record, each with the timeline entries it writes."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import DomainEvent
from domain.timeline import TimelineEntry
from domain.timeline import TimelineEntryType as T


@dataclass(frozen=True)
class CustomerCreated(DomainEvent):
    customer_id: int
    display_name: str

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id, T.CUSTOMER_CREATED, f"Record created for {self.display_name}."
            )
        ]


@dataclass(frozen=True)
class CustomerDetailsChanged(DomainEvent):
    customer_id: int
    changed: tuple[str, ...]

    def timeline_entries(self) -> list[TimelineEntry]:
        fields = ", ".join(self.changed)
        return [
            TimelineEntry(
                self.customer_id,
                T.DETAILS_CHANGED,
                f"Details changed: {fields}.",
                {"fields": fields},
            )
        ]


@dataclass(frozen=True)
class CustomerDeactivated(DomainEvent):
    customer_id: int
    reason: str | None

    def timeline_entries(self) -> list[TimelineEntry]:
        suffix = f": {self.reason}" if self.reason else "."
        return [TimelineEntry(self.customer_id, T.DEACTIVATED, f"Record deactivated{suffix}")]


@dataclass(frozen=True)
class CustomerReactivated(DomainEvent):
    customer_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [TimelineEntry(self.customer_id, T.REACTIVATED, "Record reactivated.")]


@dataclass(frozen=True)
class RelationshipAdded(DomainEvent):
    relationship_id: int
    type_name: str
    from_customer: tuple[int, str]
    to_customer: tuple[int, str]

    def timeline_entries(self) -> list[TimelineEntry]:
        (a, a_name), (b, b_name) = self.from_customer, self.to_customer
        details = {"relationshipId": str(self.relationship_id), "type": self.type_name}
        return [
            TimelineEntry(a, T.RELATIONSHIP_ADDED, f"{self.type_name} of {b_name}.", details),
            TimelineEntry(b, T.RELATIONSHIP_ADDED, f"{a_name} added as {self.type_name}.", details),
        ]


@dataclass(frozen=True)
class RelationshipEnded(DomainEvent):
    relationship_id: int
    type_name: str
    from_customer: tuple[int, str]
    to_customer: tuple[int, str]

    def timeline_entries(self) -> list[TimelineEntry]:
        (a, a_name), (b, b_name) = self.from_customer, self.to_customer
        details = {"relationshipId": str(self.relationship_id), "type": self.type_name}
        return [
            TimelineEntry(
                a, T.RELATIONSHIP_ENDED, f"No longer {self.type_name} of {b_name}.", details
            ),
            TimelineEntry(
                b, T.RELATIONSHIP_ENDED, f"{a_name} no longer {self.type_name}.", details
            ),
        ]


@dataclass(frozen=True)
class HouseholdJoined(DomainEvent):
    household_id: int
    household_name: str
    customer_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.HOUSEHOLD_JOINED,
                f"Joined household {self.household_name}.",
                {"householdId": str(self.household_id)},
            )
        ]


@dataclass(frozen=True)
class HouseholdLeft(DomainEvent):
    household_id: int
    household_name: str
    customer_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.HOUSEHOLD_LEFT,
                f"Left household {self.household_name}.",
                {"householdId": str(self.household_id)},
            )
        ]


@dataclass(frozen=True)
class PrimaryHouseholderChanged(DomainEvent):
    household_id: int
    household_name: str
    customer_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.PRIMARY_HOUSEHOLDER_CHANGED,
                f"Now primary householder of {self.household_name}.",
                {"householdId": str(self.household_id)},
            )
        ]
