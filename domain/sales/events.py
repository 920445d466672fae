"""Events of sales, with the timeline entries they write and the message integrations get."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.events import Fact, OutboxMessage
from domain.money import Money, format_money
from domain.sales.orders import Involvement, ItemKind, Order
from domain.timeline import Subject, TimelineEntry
from domain.timeline import TimelineEntryType as T

ENTRY_FOR_KIND = {
    ItemKind.TICKET: T.TICKETS,
    ItemKind.MERCHANDISE: T.MERCHANDISE,
    ItemKind.DONATION: T.DONATION,
    ItemKind.MEMBERSHIP: T.MEMBERSHIP,
    ItemKind.TICKET_SUBSCRIPTION: T.TICKET_SUBSCRIPTION,
    ItemKind.FIXED_SERIES: T.FIXED_SERIES,
}
ROLE_WORDS = {
    "OWNER": "",
    "SOFT_CREDIT": " (soft credit)",
    "FACILITATOR": " (facilitated)",
    "BOOKED_FOR": " (booked for this organisation)",
}


def _subject(order: Order) -> Subject:
    assert order.id is not None
    return Subject("Order", order.id)


def order_message(order: Order, topic: str) -> OutboxMessage:
    """What integrations hear about an order: its id and what happened (they read the rest
    through the API, so a message never carries stale or private data)."""
    return OutboxMessage(topic, {"order_id": order.id, "reference": order.reference}, event=True)


@dataclass(frozen=True)
class OrderRecorded(Fact):
    """An order as it was recorded. The history keeps its id: the order's rows keep the
    rest, with how many items it was recorded with (a refund given as a donation later
    adds one)."""

    order: Order
    FROM_ROWS = True

    def kept(self) -> dict[str, Any]:
        return {"order_id": self.order.id}

    def timeline_entries(self) -> list[TimelineEntry]:
        entries = []
        order = self.order
        for kind, count in Counter(item.kind for item in order.items).items():
            amount = Money(sum(i.amount for i in order.items if i.kind is kind), order.currency)
            label = kind.value.lower().replace("_", " ")
            for customer_id, role in order.involved_customer_ids.items():
                entries.append(
                    TimelineEntry(
                        customer_id,
                        ENTRY_FOR_KIND[kind],
                        f"{count} x {label}, {format_money(amount)}, order {order.reference}"
                        f"{ROLE_WORDS[role]}.",
                        {
                            "orderId": str(order.id),
                            "role": role.value,
                            "channel": order.channel.value,
                        },
                        order.ordered_at,
                        _subject(order),
                        order.opportunity_id,
                    )
                )
        return entries

    def message(self) -> OutboxMessage:
        return order_message(self.order, "order.recorded")


@dataclass(frozen=True)
class ItemsReturned(Fact):
    """Items of an order returned: the order as it stood (who was involved, what it
    counted towards), the refund and what of it was given as a donation."""

    order_id: int
    reference: str
    involved: tuple[tuple[int, Involvement], ...]
    opportunity_id: int | None
    refund: Money
    donation: Money | None

    def timeline_entries(self) -> list[TimelineEntry]:
        converted = f", {format_money(self.donation)} given as a donation" if self.donation else ""
        return [
            TimelineEntry(
                customer_id,
                T.ITEMS_RETURNED,
                f"Returned items worth {format_money(self.refund)} from order "
                f"{self.reference}{converted}{ROLE_WORDS[role]}.",
                {"orderId": str(self.order_id), "role": role.value},
                subject=Subject("Order", self.order_id),
                opportunity_id=self.opportunity_id,
            )
            for customer_id, role in self.involved
        ]

    def message(self) -> OutboxMessage:
        return OutboxMessage(
            "order.changed", {"order_id": self.order_id, "reference": self.reference}, event=True
        )


def items_returned(order: Order, refund: Money, donation: Money | None) -> ItemsReturned:
    assert order.id is not None
    return ItemsReturned(
        order.id,
        order.reference or "",
        tuple(order.involved_customer_ids.items()),
        order.opportunity_id,
        refund,
        donation,
    )


@dataclass(frozen=True)
class VisitRecorded(Fact):
    customer_id: int
    instance_id: int
    event_name: str
    checked_in_at: datetime
    visit_id: int

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.VISIT,
                f"Checked in at {self.event_name}.",
                {"eventInstanceId": str(self.instance_id)},
                self.checked_in_at,
                Subject("Visit", self.visit_id),
            )
        ]


@dataclass(frozen=True)
class ReservationMade(Fact):
    customer_id: int
    reservation_id: int
    tickets: int
    expires: str
    opportunity_id: int | None = None

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.RESERVATION,
                f"{self.tickets} tickets reserved until {self.expires}.",
                {"reservationId": str(self.reservation_id)},
                subject=Subject("Reservation", self.reservation_id),
                opportunity_id=self.opportunity_id,
            )
        ]


@dataclass(frozen=True)
class ReservationEnded(Fact):
    customer_id: int
    reservation_id: int
    outcome: str
    opportunity_id: int | None = None

    def timeline_entries(self) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                self.customer_id,
                T.RESERVATION,
                f"Reservation {self.outcome.lower()}.",
                {"reservationId": str(self.reservation_id), "outcome": self.outcome},
                subject=Subject("Reservation", self.reservation_id),
                opportunity_id=self.opportunity_id,
            )
        ]
