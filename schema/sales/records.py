"""Memberships, visits and reservations in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.sales.memberships import Membership as DomainMembership
from domain.sales.memberships import MembershipStatus as DomainMembershipStatus
from domain.sales.reservations import Reservation as DomainReservation
from domain.sales.reservations import ReservationStatus as DomainReservationStatus
from schema.customers.types import Customer, load_customer
from schema.node import Node
from schema.sales.catalogue import EventInstance, MembershipScheme, load_instance
from schema.sales.money import Money
from schema.sales.orders import Order

MembershipStatus = strawberry.enum(
    DomainMembershipStatus,
    description="UPCOMING (starts later), CURRENT (incl. its grace period) or LAPSED.",
)
ReservationStatus = strawberry.enum(
    DomainReservationStatus,
    description="HELD until it expires; then PURCHASED, EXPIRED or RELEASED.",
)


@strawberry.type(description="A customer's membership of a scheme, for one term.")
class Membership(Node):
    starts_on: date = strawberry.field(description="First day of the term.")
    ends_on: date = strawberry.field(description="Last day of the term.")
    auto_renew: bool = strawberry.field(description="Whether it renews automatically.")
    status: MembershipStatus = strawberry.field(description="Where it stands today.")  # type: ignore[valid-type]
    scheme_pk: strawberry.Private[int]

    @strawberry.field(description="The scheme.")
    async def scheme(self, info: Info) -> MembershipScheme:
        row = await info.context.loaders.membership_scheme_by_id.load(self.scheme_pk)
        return MembershipScheme.from_record(row)

    @classmethod
    def from_row(cls, row: Any, today: date) -> Membership:
        membership = DomainMembership(
            row.customer_id, row.scheme_id, row.starts_on, row.ends_on, row.auto_renew
        )
        return cls(
            pk=row.id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            auto_renew=row.auto_renew,
            scheme_pk=row.scheme_id,
            status=membership.status(today, row.grace_period_days, row.renewed),
        )


@strawberry.type(description="A customer checked in at an event instance.")
class Visit(Node):
    checked_in_at: datetime = strawberry.field(description="When they checked in.")
    instance_pk: strawberry.Private[int]

    @strawberry.field(description="Where and what.")
    async def instance(self, info: Info) -> EventInstance:
        return await load_instance(info, self.instance_pk)  # type: ignore[return-value]

    @classmethod
    def from_record(cls, record: Any) -> Visit:
        return cls(pk=record.id, checked_in_at=record.checked_in_at, instance_pk=record.instance_id)


@strawberry.type(description="A ticket held by a reservation.")
class ReservedTicket:
    price_band: str = strawberry.field(description="Its price band.")
    price: Money = strawberry.field(description="Its price.")
    commission: Money = strawberry.field(description="Its commission.")
    instance_pk: strawberry.Private[int]

    @strawberry.field(description="The event instance.")
    async def instance(self, info: Info) -> EventInstance:
        return await load_instance(info, self.instance_pk)  # type: ignore[return-value]


@strawberry.type(description="Tickets held for a customer until an expiry.")
class Reservation(Node):
    expires_at: datetime = strawberry.field(description="When the hold ends.")
    status: ReservationStatus = strawberry.field(description="Where it stands now.")  # type: ignore[valid-type]
    amount: Money = strawberry.field(description="Price plus commission of the tickets.")
    tickets: list[ReservedTicket] = strawberry.field(description="The tickets held.")
    customer_pk: strawberry.Private[int]
    order_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who the tickets are held for.")
    async def customer(self, info: Info) -> Customer:
        return await load_customer(info, self.customer_pk)

    @strawberry.field(description="The order it became, once purchased.")
    async def order(self, info: Info) -> Order | None:
        if self.order_pk is None:
            return None
        return Order.from_record(await info.context.loaders.order_by_id.load(self.order_pk))

    @classmethod
    def from_domain(
        cls, reservation: DomainReservation, now: datetime, currency: str
    ) -> Reservation:
        assert reservation.id is not None
        tickets = [
            ReservedTicket(
                price_band=t.price_band or "",
                instance_pk=t.instance_id or 0,
                price=Money.of(t.price, currency),
                commission=Money.of(t.commission, currency),
            )
            for t in reservation.tickets
        ]
        return cls(
            pk=reservation.id,
            expires_at=reservation.expires_at,
            status=DomainReservationStatus(reservation.status(now)),
            amount=Money.of(reservation.amount, currency),
            tickets=tickets,
            customer_pk=reservation.customer_id,
            order_pk=reservation.order_id,
        )
