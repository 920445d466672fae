"""Events of the customer record, each with the timeline entries it writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.events import Fact, as_json
from domain.timeline import CUSTOMER, Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T

if TYPE_CHECKING:
    from domain.customers.customer import Customer

ERASED_VALUE = "[erased]"


@dataclass(frozen=True)
class CustomerCreated(Fact):
    customer_id: int
    display_name: str

    def former_words(self, customer_id: int) -> set[str]:
        if customer_id != self.customer_id:
            return set()
        return {self.display_name, *self.display_name.split()}

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.CUSTOMER_CREATED,
                f"Record created for {self.display_name}.",
                subject=Subject(CUSTOMER, self.customer_id),
            )
        ]


@dataclass(frozen=True)
class CustomerDetailsChanged(Fact):
    """The fields of the record a change touched (by their names in the API), each with
    its value before and after (domain.customers.events.recorded_value)."""

    customer_id: int
    changes: tuple[tuple[str, Any, Any], ...]

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.changes)

    def former_words(self, customer_id: int) -> set[str]:
        if customer_id != self.customer_id:
            return set()
        return {w for _, before, after in self.changes for w in (*_words(before), *_words(after))}

    def forgetting(self, customer_id: int) -> CustomerDetailsChanged:
        if customer_id != self.customer_id:
            return self
        forgotten = tuple((name, ERASED_VALUE, ERASED_VALUE) for name in self.changed)
        return CustomerDetailsChanged(self.customer_id, forgotten)

    def timeline_entries(self) -> list[TimelineEntry]:
        fields = ", ".join(self.changed)
        return [
            TimelineEntry(
                self.customer_id,
                T.DETAILS_CHANGED,
                f"Details changed: {fields}.",
                {"fields": fields},
                subject=Subject(CUSTOMER, self.customer_id),
            )
        ]


@dataclass(frozen=True)
class CustomerDeactivated(Fact):
    customer_id: int
    reason: str | None

    def timeline_entries(self) -> list[TimelineEntry]:
        suffix = f": {self.reason}" if self.reason else "."
        return [
            TimelineEntry(
                self.customer_id,
                T.DEACTIVATED,
                f"Record deactivated{suffix}",
                subject=Subject(CUSTOMER, self.customer_id),
            )
        ]


@dataclass(frozen=True)
class CustomerReactivated(Fact):
    customer_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.REACTIVATED,
                "Record reactivated.",
                subject=Subject(CUSTOMER, self.customer_id),
            )
        ]


@dataclass(frozen=True)
class RelationshipAdded(Fact):
    """Written on both customers' timelines, each in their own words."""

    relationship_id: int
    type_name: str
    from_customer: tuple[int, str]
    to_customer: tuple[int, str]
    kind = T.RELATIONSHIP_ADDED
    # (seen from the `from` side, seen from the `to` side)
    wording = ("{type} of {to}.", "{frm} added as {type}.")

    def timeline_entries(self) -> list[TimelineEntry]:
        (a, a_name), (b, b_name) = self.from_customer, self.to_customer
        words = {"type": self.type_name, "to": b_name, "frm": a_name}
        details = {"relationshipId": str(self.relationship_id), "type": self.type_name}
        subject = Subject("Relationship", self.relationship_id)
        return [
            TimelineEntry(a, self.kind, self.wording[0].format(**words), details, subject=subject),
            TimelineEntry(b, self.kind, self.wording[1].format(**words), details, subject=subject),
        ]


@dataclass(frozen=True)
class RelationshipEnded(RelationshipAdded):
    kind = T.RELATIONSHIP_ENDED
    wording = ("No longer {type} of {to}.", "{frm} no longer {type}.")


@dataclass(frozen=True)
class HouseholdChange(Fact):
    """A member joined or left a household, or became its primary householder."""

    household_id: int
    household_name: str
    customer_id: int
    kind: T = T.HOUSEHOLD_JOINED

    SUMMARIES = {
        T.HOUSEHOLD_JOINED: "Joined household {}.",
        T.HOUSEHOLD_LEFT: "Left household {}.",
        T.PRIMARY_HOUSEHOLDER_CHANGED: "Now primary householder of {}.",
    }

    def timeline_entries(self) -> list[TimelineEntry]:
        summary = self.SUMMARIES[self.kind].format(self.household_name)
        return [
            TimelineEntry(
                self.customer_id,
                self.kind,
                summary,
                {"householdId": str(self.household_id)},
                subject=Subject("Household", self.household_id),
            )
        ]


def household_joined(household_id: int, name: str, customer_id: int) -> HouseholdChange:
    return HouseholdChange(household_id, name, customer_id, T.HOUSEHOLD_JOINED)


def household_left(household_id: int, name: str, customer_id: int) -> HouseholdChange:
    return HouseholdChange(household_id, name, customer_id, T.HOUSEHOLD_LEFT)


def primary_householder_changed(household_id: int, name: str, customer_id: int) -> HouseholdChange:
    return HouseholdChange(household_id, name, customer_id, T.PRIMARY_HOUSEHOLDER_CHANGED)


def recorded_value(customer: Customer, field: str) -> Any:
    """A field of the record (named as in the API: `firstName`, `emails`) as the history
    keeps it: JSON, lists of contact details as lists of their parts."""
    value = getattr(customer, re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower())
    return as_json(value)


def details_changed(
    before: Customer, after: Customer, changed: list[str]
) -> CustomerDetailsChanged:
    assert after.id is not None
    return CustomerDetailsChanged(
        after.id,
        tuple((f, recorded_value(before, f), recorded_value(after, f)) for f in changed),
    )


def _words(value: Any) -> list[str]:
    """Every text in a recorded value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    return []
