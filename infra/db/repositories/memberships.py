"""Memberships, reservations and visits in and out of their tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict
from domain.sales.commands import ItemLine
from domain.sales.memberships import Membership
from domain.sales.orders import ItemKind
from domain.sales.reservations import Reservation, ReservationStatus
from domain.sales.visits import Visit
from infra.clock import utc_now
from infra.db import sales_tables as s
from infra.db import tables as t

m, r, rt = s.membership.c, s.reservation.c, s.reservation_ticket.c
c = t.customer.c


class SqlMembershipRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db, self._tenant_id = connection, tenant_id

    async def latest(self, customer_id: int, scheme_id: int) -> Membership | None:
        """The customer's latest term of the scheme, which stays the latest until the
        transaction ends: the customer's row is locked, so two purchases at the same moment
        take turns and the second sees the first's term. NO KEY UPDATE, because the order's
        own foreign keys hold KEY SHARE locks on that row (SQLite has one writer anyway)."""
        await self._db.execute(
            select(c.id)
            .where(c.tenant_id == self._tenant_id, c.id == customer_id)
            .with_for_update(key_share=True)
        )
        row = (
            await self._db.execute(
                select(s.membership)
                .where(
                    m.tenant_id == self._tenant_id,
                    m.customer_id == customer_id,
                    m.scheme_id == scheme_id,
                )
                .order_by(m.ends_on.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return Membership(
            row.customer_id,
            row.scheme_id,
            row.starts_on,
            row.ends_on,
            row.auto_renew,
            row.order_item_id,
            row.id,
        )

    async def add(self, membership: Membership) -> None:
        membership.id = (
            await self._db.execute(
                insert(s.membership)
                .values(
                    tenant_id=self._tenant_id,
                    customer_id=membership.customer_id,
                    scheme_id=membership.scheme_id,
                    starts_on=membership.starts_on,
                    ends_on=membership.ends_on,
                    auto_renew=membership.auto_renew,
                    order_item_id=membership.order_item_id,
                )
                .returning(m.id)
            )
        ).scalar_one()


def ticket_line(row: Any) -> ItemLine:
    return ItemLine(
        ItemKind.TICKET, row.price, row.commission, row.description, row.instance_id, row.price_band
    )


def reservation_of(row: Any, tickets: Sequence[Any]) -> Reservation:
    """A reservation from its row and its tickets' rows, in order."""
    return Reservation(
        row.customer_id,
        [ticket_line(t) for t in tickets],
        row.expires_at,
        ReservationStatus(row.status),
        row.order_id,
        row.id,
        row.created_at,
        row.opportunity_id,
    )


class SqlReservationRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db, self._tenant_id = connection, tenant_id
        # The status each reservation had when read: `save` changes it only if still so.
        self._status_read: dict[int, str] = {}

    async def get(self, reservation_id: int) -> Reservation | None:
        row = (
            await self._db.execute(
                select(s.reservation).where(r.tenant_id == self._tenant_id, r.id == reservation_id)
            )
        ).first()
        if row is None:
            return None
        self._status_read[row.id] = row.status
        tickets = (
            await self._db.execute(
                select(s.reservation_ticket)
                .where(rt.reservation_id == reservation_id)
                .order_by(rt.position)
            )
        ).all()
        return reservation_of(row, tickets)

    async def add(self, reservation: Reservation) -> None:
        reservation.created_at = utc_now()
        reservation.id = (
            await self._db.execute(
                insert(s.reservation)
                .values(
                    tenant_id=self._tenant_id,
                    customer_id=reservation.customer_id,
                    expires_at=reservation.expires_at,
                    status=reservation.recorded_status.value,
                    created_at=reservation.created_at,
                )
                .returning(r.id)
            )
        ).scalar_one()
        self._status_read[reservation.id] = reservation.recorded_status.value
        await self._db.execute(
            insert(s.reservation_ticket),
            [
                {
                    "tenant_id": self._tenant_id,
                    "reservation_id": reservation.id,
                    "position": n,
                    "instance_id": t.instance_id,
                    "price_band": t.price_band,
                    "price": t.price,
                    "commission": t.commission,
                    "description": t.description,
                }
                for n, t in enumerate(reservation.tickets)
            ],
        )

    async def save(self, reservation: Reservation) -> None:
        """Only while its status is still the one read: when a concurrent request bought or
        released it first, this one is refused, or its tickets would be bought twice."""
        assert reservation.id is not None
        saved = await self._db.execute(
            update(s.reservation)
            .where(
                r.tenant_id == self._tenant_id,
                r.id == reservation.id,
                r.status == self._status_read[reservation.id],
            )
            .values(
                status=reservation.recorded_status.value,
                order_id=reservation.order_id,
                opportunity_id=reservation.opportunity_id,
            )
        )
        if saved.rowcount != 1:
            raise Conflict(
                "Another request changed the reservation at the same moment; nothing was "
                "written. Read it again and retry.",
                ("reservationId",),
            )


class SqlVisitRepository:
    def __init__(self, connection: AsyncConnection, tenant_id: int) -> None:
        self._db, self._tenant_id = connection, tenant_id

    async def add(self, visit: Visit) -> None:
        visit.id = (
            await self._db.execute(
                insert(s.visit)
                .values(
                    tenant_id=self._tenant_id,
                    customer_id=visit.customer_id,
                    instance_id=visit.instance_id,
                    checked_in_at=visit.checked_in_at,
                )
                .returning(s.visit.c.id)
            )
        ).scalar_one()
