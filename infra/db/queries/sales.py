"""Reading sales for the API: orders a page at a time, and batched look-ups for loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, exists, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.sales.orders import Involvement, OrderCriteria
from infra.db import sales_tables as s
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.moment import UtcDateTime
from infra.db.tables import Id

o = s.customer_order.c


def _involved(criteria: OrderCriteria) -> Any:
    customer = criteria.customer_id
    conditions = []
    if Involvement.OWNER in criteria.involvement:
        conditions.append(o.owner_id == customer)
    if Involvement.FACILITATOR in criteria.involvement:
        conditions.append(o.facilitator_id == customer)
    if Involvement.BOOKED_FOR in criteria.involvement:
        conditions.append(o.booked_for_id == customer)
    if Involvement.SOFT_CREDIT in criteria.involvement:
        sc = s.order_soft_credit.c
        conditions.append(exists().where(sc.order_id == o.id, sc.customer_id == customer))
    return or_(*conditions)


async def order_page(
    db: AsyncConnection, tenant_id: int, criteria: OrderCriteria, first: int, after: str | None
) -> Page[Any]:
    """A customer's orders, newest first."""
    statement = (
        select(s.customer_order)
        .where(o.tenant_id == tenant_id, _involved(criteria))
        .order_by(o.ordered_at.desc(), o.id.desc())
    )
    if criteria.kinds:
        it = s.order_item.c
        statement = statement.where(
            exists().where(it.order_id == o.id, it.kind.in_([k.value for k in criteria.kinds]))
        )
    if criteria.ordered_from is not None:
        statement = statement.where(o.ordered_at >= criteria.ordered_from)
    if criteria.ordered_before is not None:
        statement = statement.where(o.ordered_at < criteria.ordered_before)
    position = decode_cursor(after, (datetime, int))
    if position is not None:
        statement = statement.where(
            tuple_(o.ordered_at, o.id)
            < tuple_(literal(position[0], UtcDateTime()), literal(position[1], Id))
        )
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.ordered_at, r.id)) for r in page], len(rows) > first)


async def event_instance_page(
    db: AsyncConnection,
    tenant_id: int,
    starts_from: datetime | None,
    starts_before: datetime | None,
    partner_company_id: int | None,
    first: int,
    after: str | None,
) -> Page[Any]:
    """Event instances in date order."""
    ei, ev = s.event_instance.c, s.event.c
    statement = (
        select(s.event_instance).where(ei.tenant_id == tenant_id).order_by(ei.starts_at, ei.id)
    )
    if starts_from is not None:
        statement = statement.where(ei.starts_at >= starts_from)
    if starts_before is not None:
        statement = statement.where(ei.starts_at < starts_before)
    if partner_company_id is not None:
        statement = statement.where(
            ei.event_id.in_(
                select(ev.id).where(
                    ev.tenant_id == tenant_id, ev.partner_company_id == partner_company_id
                )
            )
        )
    position = decode_cursor(after, (datetime, int))
    if position is not None:
        statement = statement.where(
            tuple_(ei.starts_at, ei.id)
            > tuple_(literal(position[0], UtcDateTime()), literal(position[1], Id))
        )
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.starts_at, r.id)) for r in page], len(rows) > first)


async def visit_page(
    db: AsyncConnection, tenant_id: int, customer_id: int, first: int, after: str | None
) -> Page[Any]:
    v = s.visit.c
    statement = (
        select(s.visit)
        .where(v.tenant_id == tenant_id, v.customer_id == customer_id)
        .order_by(v.checked_in_at.desc(), v.id.desc())
    )
    position = decode_cursor(after, (datetime, int))
    if position is not None:
        statement = statement.where(
            tuple_(v.checked_in_at, v.id)
            < tuple_(literal(position[0], UtcDateTime()), literal(position[1], Id))
        )
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.checked_in_at, r.id)) for r in page], len(rows) > first)


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


async def rows_by_id(
    db: AsyncConnection, tenant_id: int, table: Table, ids: list[int]
) -> dict[int, Any]:
    rows = await db.execute(
        select(table).where(table.c.tenant_id == tenant_id, table.c.id.in_(ids))
    )
    return {row.id: row for row in rows}


async def rows_by_order(
    db: AsyncConnection, tenant_id: int, table: Table, order_ids: list[int]
) -> dict[int, list[Any]]:
    """Items, soft credits, attributes or history of these orders, in their order."""
    order_by = (
        table.c.position
        if "position" in table.c
        else table.c["occurred_at" if "occurred_at" in table.c else "order_id"]
    )
    rows = await db.execute(
        select(table)
        .where(table.c.tenant_id == tenant_id, table.c.order_id.in_(order_ids))
        .order_by(order_by)
    )
    return _grouped(rows, "order_id")


def renewed() -> Any:
    """Whether a later term of the same scheme follows a membership (it then has no grace
    period: see Membership.status)."""
    m, later = s.membership.c, s.membership.alias("later").c
    return (
        exists()
        .where(
            later.tenant_id == m.tenant_id,
            later.customer_id == m.customer_id,
            later.scheme_id == m.scheme_id,
            later.starts_on > m.ends_on,
        )
        .label("renewed")
    )


async def memberships_by_customer(
    db: AsyncConnection, tenant_id: int, customer_ids: list[int]
) -> dict[int, list[Any]]:
    m, ms = s.membership.c, s.membership_scheme.c
    rows = await db.execute(
        select(s.membership, ms.name.label("scheme_name"), ms.grace_period_days, renewed())
        .join(s.membership_scheme, ms.id == m.scheme_id)
        .where(m.tenant_id == tenant_id, m.customer_id.in_(customer_ids))
        .order_by(m.ends_on.desc(), m.id.desc())
    )
    return _grouped(rows, "customer_id")


async def catalogue(db: AsyncConnection, tenant_id: int, table: Table) -> list[Any]:
    """A settings list (funds, schemes, partner companies, events), by name."""
    return list(
        (
            await db.execute(
                select(table)
                .where(table.c.tenant_id == tenant_id)
                .order_by(table.c.name, table.c.id)
            )
        ).all()
    )


async def tickets_by_reservation(
    db: AsyncConnection, tenant_id: int, reservation_ids: list[int]
) -> dict[int, list[Any]]:
    t = s.reservation_ticket.c
    rows = await db.execute(
        select(s.reservation_ticket)
        .where(t.tenant_id == tenant_id, t.reservation_id.in_(reservation_ids))
        .order_by(t.position)
    )
    return _grouped(rows, "reservation_id")


async def order_items_by_id(
    db: AsyncConnection, tenant_id: int, item_ids: list[int]
) -> dict[int, Any]:
    """Items with their order's currency (an item's amounts are in it)."""
    i, o_ = s.order_item.c, s.customer_order.c
    rows = await db.execute(
        select(s.order_item, o_.currency)
        .join(s.customer_order, o_.id == i.order_id)
        .where(i.tenant_id == tenant_id, i.id.in_(item_ids))
    )
    return {row.id: row for row in rows}


async def memberships_by_id(
    db: AsyncConnection, tenant_id: int, membership_ids: list[int]
) -> dict[int, Any]:
    m, ms = s.membership.c, s.membership_scheme.c
    rows = await db.execute(
        select(s.membership, ms.grace_period_days, renewed())
        .join(s.membership_scheme, ms.id == m.scheme_id)
        .where(m.tenant_id == tenant_id, m.id.in_(membership_ids))
    )
    return {row.id: row for row in rows}
