"""Reading sales for the API: orders a page at a time, and batched look-ups for loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, exists, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.sales.orders import Involvement, OrderCriteria
from infra.db import sales_tables as s
from infra.db.driver_reads import driver_rows
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.moment import UtcDateTime
from infra.db.queries.customer_record import json_list, parsed_list, row_of, row_type
from infra.db.tables import Id

o = s.customer_order.c


@dataclass(frozen=True)
class OrderShape:
    """What varies between order pages' statements (not their values): each shape is
    built and compiled once per process (infra/db/driver_reads.py)."""

    involvement: frozenset[Involvement]
    kinds: int  # how many item kinds the page is limited to (0: any)
    ordered_from: bool
    ordered_before: bool
    after: bool
    items: bool  # each order's items with it, as a JSON array (the `items` column)


@cache
def _order_page(dialect: str, shape: OrderShape) -> Select[Any]:
    customer = bindparam("customer_id")
    involved = {
        Involvement.OWNER: o.owner_id == customer,
        Involvement.FACILITATOR: o.facilitator_id == customer,
        Involvement.BOOKED_FOR: o.booked_for_id == customer,
        Involvement.SOFT_CREDIT: exists().where(
            s.order_soft_credit.c.order_id == o.id, s.order_soft_credit.c.customer_id == customer
        ),
    }
    it = s.order_item.c
    columns: list[Any] = [s.customer_order]
    if shape.items:
        kept = and_(it.order_id == o.id, it.tenant_id == o.tenant_id)
        columns.append(json_list(dialect, s.order_item, kept).label("items"))
    statement = (
        select(*columns)
        .where(
            o.tenant_id == bindparam("tenant_id"),
            or_(*(involved[i] for i in Involvement if i in shape.involvement)),
        )
        .order_by(o.ordered_at.desc(), o.id.desc())
        .limit(bindparam("limit"))
    )
    if shape.kinds:
        kinds = [bindparam(f"kind_{n}") for n in range(shape.kinds)]
        statement = statement.where(exists().where(it.order_id == o.id, it.kind.in_(kinds)))
    if shape.ordered_from:
        statement = statement.where(o.ordered_at >= bindparam("ordered_from", type_=UtcDateTime()))
    if shape.ordered_before:
        statement = statement.where(o.ordered_at < bindparam("ordered_before", type_=UtcDateTime()))
    if shape.after:
        statement = statement.where(
            tuple_(o.ordered_at, o.id)
            < tuple_(bindparam("after_at", type_=UtcDateTime()), bindparam("after_id", type_=Id))
        )
    return statement


@dataclass(frozen=True)
class OrderRecord:
    """An order of a page, with its items (in position order) when the page read them."""

    order: Any
    items: list[Any] | None


_by_position = attrgetter("position")


async def order_page(
    db: AsyncConnection,
    tenant_id: int,
    criteria: OrderCriteria,
    first: int,
    after: str | None,
    items: bool = False,
) -> Page[OrderRecord]:
    """A customer's orders, newest first; with `items`, each order's items in the same
    statement."""
    position = decode_cursor(after, (datetime, int))
    shape = OrderShape(
        frozenset(criteria.involvement),
        len(criteria.kinds),
        criteria.ordered_from is not None,
        criteria.ordered_before is not None,
        position is not None,
        items,
    )
    parameters: dict[str, Any] = {
        "tenant_id": tenant_id,
        "customer_id": criteria.customer_id,
        "limit": first + 1,
        "ordered_from": criteria.ordered_from,
        "ordered_before": criteria.ordered_before,
    }
    parameters.update({f"kind_{n}": kind.value for n, kind in enumerate(criteria.kinds)})
    if position is not None:
        parameters["after_at"], parameters["after_id"] = position
    rows = await driver_rows(db, _order_page(db.dialect.name, shape), parameters)
    width = len(s.customer_order.c)
    make = row_type(s.customer_order)._make
    records = []
    for row in rows[:first]:
        order = make(row[:width])
        found = None
        if items:
            found = [row_of(s.order_item, item) for item in parsed_list(row.items)]
            found.sort(key=_by_position)
        records.append(OrderRecord(order, found))
    cursors = [encode_cursor((r.order.ordered_at, r.order.id)) for r in records]
    return Page(records, cursors, len(rows) > first)


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
