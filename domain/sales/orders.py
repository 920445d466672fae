"""Orders: what a customer bought or gave, through which channel, for whom, credited to whom.

An order's total is always computed from its items, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.customers.customer import CustomerKind
from domain.money import Money, total


class Channel(StrEnum):
    BOX_OFFICE = "BOX_OFFICE"
    WEB = "WEB"
    PHONE = "PHONE"
    INTEGRATION = "INTEGRATION"


class ItemKind(StrEnum):
    TICKET = "TICKET"
    MERCHANDISE = "MERCHANDISE"
    DONATION = "DONATION"
    MEMBERSHIP = "MEMBERSHIP"
    TICKET_SUBSCRIPTION = "TICKET_SUBSCRIPTION"
    FIXED_SERIES = "FIXED_SERIES"


class Involvement(StrEnum):
    """How a customer is involved in an order."""

    OWNER = "OWNER"
    SOFT_CREDIT = "SOFT_CREDIT"
    FACILITATOR = "FACILITATOR"
    BOOKED_FOR = "BOOKED_FOR"


# Donations and memberships are not returned from the sales side (domain.md, "Returns").
RETURNABLE = frozenset(
    {ItemKind.TICKET, ItemKind.TICKET_SUBSCRIPTION, ItemKind.FIXED_SERIES, ItemKind.MERCHANDISE}
)


@dataclass
class OrderItem:
    kind: ItemKind
    price: int
    commission: int = 0
    description: str | None = None
    instance_id: int | None = None
    price_band: str | None = None
    fund_id: int | None = None
    scheme_id: int | None = None
    returned: bool = False
    id: int | None = None
    opportunity_id: int | None = None

    @property
    def amount(self) -> int:
        """What the customer paid for this line: price plus commission."""
        return self.price + self.commission


@dataclass
class Order:
    owner_id: int
    channel: Channel
    currency: str
    items: list[OrderItem]
    facilitator_id: int | None = None
    booked_for_id: int | None = None
    soft_credit_ids: list[int] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    external_reference: str | None = None
    ordered_at: datetime | None = None
    reference: str | None = None
    id: int | None = None
    # The digest of the request that recorded it under its external reference.
    fingerprint: str | None = None

    @property
    def total(self) -> Money:
        """What the order is worth now: returned items no longer count."""
        return total(
            [Money(i.amount, self.currency) for i in self.items if not i.returned], self.currency
        )

    @property
    def opportunity_id(self) -> int | None:
        """The opportunity its timeline entries count towards: that of its first item linked
        to one (an order is one interaction; its items rarely serve two opportunities)."""
        return next((i.opportunity_id for i in self.items if i.opportunity_id is not None), None)

    @property
    def involved_customer_ids(self) -> dict[int, Involvement]:
        """Everyone whose timeline shows this order, with how they are involved (other
        members of the owner's household are not: each keeps their own record)."""
        involved = {credited: Involvement.SOFT_CREDIT for credited in self.soft_credit_ids}
        if self.booked_for_id is not None:
            involved[self.booked_for_id] = Involvement.BOOKED_FOR
        if self.facilitator_id is not None:
            involved[self.facilitator_id] = Involvement.FACILITATOR
        involved[self.owner_id] = Involvement.OWNER
        return involved


@dataclass(frozen=True)
class NamedRecords:
    """Which of the records an order names are the organisation's: the kind of each
    customer found, and the event instances, funds and membership schemes found."""

    customer_kinds: dict[int, CustomerKind]
    instance_ids: frozenset[int]
    fund_ids: frozenset[int]
    scheme_ids: frozenset[int]


def format_order_reference(order_id: int) -> str:
    return f"O-{order_id}"


@dataclass(frozen=True)
class OrderCriteria:
    """Which of a customer's orders a list shows."""

    customer_id: int
    involvement: frozenset[Involvement] = frozenset({Involvement.OWNER})
    kinds: tuple[ItemKind, ...] = ()
    ordered_from: datetime | None = None
    ordered_before: datetime | None = None
