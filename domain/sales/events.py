"""Events of sales, with the timeline entries they write and the message integrations get."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from domain.events import DomainEvent, OutboxMessage
from domain.money import Money, format_money
from domain.sales.orders import ItemKind, Order
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
class OrderRecorded(DomainEvent):
    order: Order

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
class ItemsReturned(DomainEvent):
    order: Order
    refund: Money
    donation: Money | None

    def timeline_entries(self) -> list[TimelineEntry]:
        converted = f", {format_money(self.donation)} given as a donation" if self.donation else ""
        return [
            TimelineEntry(
                customer_id,
                T.ITEMS_RETURNED,
                f"Returned items worth {format_money(self.refund)} from order "
                f"{self.order.reference}{converted}{ROLE_WORDS[role]}.",
                {"orderId": str(self.order.id), "role": role},
                subject=_subject(self.order),
                opportunity_id=self.order.opportunity_id,
            )
            for customer_id, role in self.order.involved_customer_ids.items()
        ]

    def message(self) -> OutboxMessage:
        return order_message(self.order, "order.changed")


@dataclass(frozen=True)
class VisitRecorded(DomainEvent):
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
class ReservationMade(DomainEvent):
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
class ReservationEnded(DomainEvent):
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
