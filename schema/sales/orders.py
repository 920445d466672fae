"""Orders in the API: items, soft credits, attributes, history, totals from items."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from domain.sales.orders import Channel as DomainChannel
from domain.sales.orders import ItemKind as DomainItemKind
from domain.sales.orders import format_order_reference
from schema.customers.types import Customer, Organisation, customer_from_record, load_customer
from schema.node import Node
from schema.planned import with_planned
from schema.sales.catalogue import EventInstance, Fund, MembershipScheme, load_instance
from schema.sales.enums import Channel, ItemKind
from schema.sales.money import Money

if TYPE_CHECKING:
    from resolvers.sales import OrderRecord


@strawberry.type(description="One line of an order.")
class OrderItem(Node):
    kind: ItemKind = strawberry.field(description="What it is.")  # type: ignore[valid-type]
    price: Money = strawberry.field(description="Its price.")
    commission: Money = strawberry.field(description="Commission on a ticket.")
    amount: Money = strawberry.field(description="What was paid: price plus commission.")
    description: str | None = strawberry.field(description="Free text from the seller.")
    price_band: str | None = strawberry.field(description="A ticket's price band.")
    returned: bool = strawberry.field(description="Whether it has been returned.")
    instance_pk: strawberry.Private[int | None]
    fund_pk: strawberry.Private[int | None]
    scheme_pk: strawberry.Private[int | None]

    @strawberry.field(description="A ticket's event instance.")
    async def instance(self, info: Info) -> EventInstance | None:
        return await load_instance(info, self.instance_pk)

    @strawberry.field(description="A donation's fund.")
    async def fund(self, info: Info) -> Fund | None:
        if self.fund_pk is None:
            return None
        return Fund.from_record(await info.context.loaders.fund_by_id.load(self.fund_pk))

    @strawberry.field(description="A membership's scheme.")
    async def scheme(self, info: Info) -> MembershipScheme | None:
        if self.scheme_pk is None:
            return None
        row = await info.context.loaders.membership_scheme_by_id.load(self.scheme_pk)
        return MembershipScheme.from_record(row)

    @classmethod
    def from_record(cls, record: Any, currency: str) -> OrderItem:
        returned = getattr(record, "returned", None)
        if returned is None:
            returned = record.returned_at is not None
        return cls(
            pk=record.id,
            kind=DomainItemKind(record.kind),
            price=Money.of(record.price, currency),
            commission=Money.of(record.commission, currency),
            amount=Money.of(record.price + record.commission, currency),
            description=record.description,
            price_band=record.price_band,
            returned=returned,
            instance_pk=record.instance_id,
            fund_pk=record.fund_id,
            scheme_pk=record.scheme_id,
        )


@strawberry.type(description="A key and value recorded with an order.")
class OrderAttribute:
    key: str = strawberry.field(description="The attribute's name.")
    value: str = strawberry.field(description="Its value.")


@strawberry.type(description="A change to an order: what, who, when.")
class OrderHistoryEntry:
    what: str = strawberry.field(description="What changed.")
    actor: str = strawberry.field(description="Who changed it.")
    occurred_at: datetime = strawberry.field(description="When (UTC).")


@strawberry.type(description="What a customer bought or gave, in one transaction.")
class Order(Node):
    reference: str = strawberry.field(description="Short reference, e.g. `O-1042`.")
    channel: Channel = strawberry.field(description="How it was placed.")  # type: ignore[valid-type]
    ordered_at: datetime = strawberry.field(description="When it was placed.")
    external_reference: str | None = strawberry.field(
        description="The box office's or web shop's own reference, if it came from one."
    )
    currency: strawberry.Private[str]
    owner_pk: strawberry.Private[int]
    facilitator_pk: strawberry.Private[int | None]
    booked_for_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who placed it.")
    async def owner(self, info: Info) -> Customer:
        return await load_customer(info, self.owner_pk)

    @strawberry.field(description="Who booked it on the owner's behalf, if anyone.")
    async def facilitator(self, info: Info) -> Customer | None:
        return await load_customer(info, self.facilitator_pk) if self.facilitator_pk else None

    @strawberry.field(description="The organisation it was booked for, if any.")
    async def booked_for(self, info: Info) -> Organisation | None:
        if self.booked_for_pk is None:
            return None
        return await load_customer(info, self.booked_for_pk)  # type: ignore[return-value]

    @strawberry.field(description="Customers soft-credited with it.")
    async def soft_credited(self, info: Info) -> list[Customer]:
        rows = await info.context.loaders.soft_credits_by_order.load(self.pk)
        ids = [r.customer_id for r in rows]
        customers = await info.context.loaders.customer_by_id.load_many(ids)  # one batch
        return [customer_from_record(c) for c in customers]

    @strawberry.field(description="Its items, in the order they were recorded.")
    async def items(self, info: Info) -> list[OrderItem]:
        rows = await info.context.loaders.items_by_order.load(self.pk)
        return [OrderItem.from_record(r, self.currency) for r in rows]

    @strawberry.field(description="What it is worth now: its items less returned ones.")
    async def total(self, info: Info) -> Money:
        rows = await info.context.loaders.items_by_order.load(self.pk)
        return kept_total(rows, self.currency)

    @strawberry.field(description="Key/value attributes recorded with it.")
    async def attributes(self, info: Info) -> list[OrderAttribute]:
        rows = await info.context.loaders.attributes_by_order.load(self.pk)
        return [OrderAttribute(key=r.key, value=r.value) for r in rows]

    @strawberry.field(description="Every change to it, oldest first.")
    async def history(self, info: Info) -> list[OrderHistoryEntry]:
        rows = await info.context.loaders.history_by_order.load(self.pk)
        return [
            OrderHistoryEntry(what=r.what, actor=r.actor, occurred_at=r.occurred_at) for r in rows
        ]

    @classmethod
    def from_record(cls, record: Any) -> Order:
        """From an order row or a domain Order (both carry the same names)."""
        return cls(
            pk=record.id,
            reference=format_order_reference(record.id),
            channel=DomainChannel(record.channel),
            ordered_at=record.ordered_at,
            external_reference=record.external_reference,
            currency=record.currency,
            owner_pk=record.owner_id,
            facilitator_pk=record.facilitator_id,
            booked_for_pk=record.booked_for_id,
        )


def kept_total(items: list[Any], currency: str) -> Money:
    """What an order's item rows are worth now: those not returned, with their commission."""
    return Money.of(sum(r.price + r.commission for r in items if r.returned_at is None), currency)


def planned_order(record: OrderRecord) -> Order:
    """An order of a page that read its items with it (infra/db/queries/sales.py): its
    items and total as planned values (schema/planned.py), what their resolvers would make
    of the same rows."""
    order = Order.from_record(record.order)
    if record.items is None:
        return order
    currency = order.currency
    items = [OrderItem.from_record(row, currency) for row in record.items]
    return with_planned(order, {"items": items, "total": kept_total(record.items, currency)})
