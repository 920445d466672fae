"""Reading fundraising: the five figures of opportunities, the dashboard, campaign progress,
and batched look-ups for loaders.

Received, Pledged and Reserved are computed here from the rows that make them, every time:
- Received: price plus commission of the order items linked to the opportunity and not
  returned (donations, instalment payments, bought tickets…);
- Pledged: for each linked pledge not cancelled, its amount less what has been paid on it;
- Reserved: price plus commission of tickets in linked reservations still held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, Table, bindparam, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.fundraising.opportunities import DashboardFilter
from infra.db import fundraising_tables as f
from infra.db import sales_tables as s
from infra.db.driver_reads import driver_rows
from infra.db.keyset import Cursors, Page, decode_cursor
from infra.db.tables import Id

o = f.opportunity.c


@dataclass(frozen=True)
class Figures:
    received: int = 0
    pledged: int = 0
    reserved: int = 0


def received_by(key: Any) -> Select[Any]:
    i = s.order_item.c
    return (
        select(key, func.sum(i.price + i.commission)).where(i.returned_at.is_(None)).group_by(key)
    )


def pledged_by(key: Any) -> Select[Any]:
    p, ins, pay = f.pledge.c, f.instalment.c, f.instalment_payment.c
    # Paid per pledge as a correlated subquery: it reads only the pledges asked about,
    # through the instalment and payment indexes (an aggregate over every pledge would read
    # them all: 1.2 ms against 300-600 ms at 50,000 pledges).
    paid = (
        select(func.coalesce(func.sum(pay.amount), 0))
        .select_from(f.instalment_payment.join(f.instalment, ins.id == pay.instalment_id))
        .where(ins.pledge_id == p.id)
        .scalar_subquery()
    )
    return select(key, func.sum(p.amount - paid)).where(p.cancelled.is_(False)).group_by(key)


def reserved_by(key: Any, now: datetime) -> Select[Any]:
    r, rt = s.reservation.c, s.reservation_ticket.c
    return (
        select(key, func.sum(rt.price + rt.commission))
        .select_from(s.reservation.join(s.reservation_ticket, rt.reservation_id == r.id))
        .where(r.status == "HELD", r.expires_at > now)
        .group_by(key)
    )


def figure_statements(tenant_id: int, ids: list[int], now: datetime) -> list[Select[Any]]:
    """Received, Pledged and Reserved of each opportunity: three statements, run by the API
    (async) and the report worker (sync) alike; `figures_from` reads their results."""
    i, p, r = s.order_item.c, f.pledge.c, s.reservation.c
    return [
        received_by(i.opportunity_id).where(i.tenant_id == tenant_id, i.opportunity_id.in_(ids)),
        pledged_by(p.opportunity_id).where(p.tenant_id == tenant_id, p.opportunity_id.in_(ids)),
        reserved_by(r.opportunity_id, now).where(
            r.tenant_id == tenant_id, r.opportunity_id.in_(ids)
        ),
    ]


def figures_from(ids: list[int], results: list[Any]) -> dict[int, Figures]:
    received, pledged, reserved = (dict(rows) for rows in results)
    return {
        pk: Figures(
            int(received.get(pk) or 0),
            max(0, int(pledged.get(pk) or 0)),
            int(reserved.get(pk) or 0),
        )
        for pk in ids
    }


async def figures_by_opportunity(
    db: AsyncConnection, tenant_id: int, ids: list[int], now: datetime
) -> dict[int, Figures]:
    """Received, Pledged and Reserved of each opportunity, in three statements."""
    results = [
        (await db.execute(statement)).all() for statement in figure_statements(tenant_id, ids, now)
    ]
    return figures_from(ids, results)


# The dashboard's filters, by the opportunity column each restricts.
_FILTERS = ("owner_id", "stage_id", "campaign_id", "open", "customer_id")


@cache
def _opportunity_page(
    filters: tuple[str, ...],
    after: bool,
    with_columns: tuple[Any, ...],
    joins: tuple[tuple[Any, Any], ...],
) -> Select[Any]:
    """The page's statement for this form (which filters, a cursor or none, which more
    columns from which joined tables), built once per process; every value is a bound
    parameter."""
    joined: Any = f.opportunity
    for table, condition in joins:
        joined = joined.outerjoin(table, condition)
    statement = (
        select(f.opportunity, *with_columns)
        .select_from(joined)
        .where(o.tenant_id == bindparam("tenant_id"))
    )
    for name in filters:
        statement = statement.where(o[name] == bindparam(name))
    if after:
        statement = statement.where(o.id < bindparam("after_id", type_=Id))
    return statement.order_by(o.id.desc()).limit(bindparam("size", type_=Integer))


async def opportunity_page(
    db: AsyncConnection,
    tenant_id: int,
    where: DashboardFilter,
    first: int,
    after: str | None,
    with_columns: Sequence[Any] = (),
    parameters: dict[str, Any] | None = None,
    joins: Sequence[tuple[Any, Any]] = (),
) -> Page[Any]:
    """Opportunities, newest first; `with_columns` (and the `parameters` they need, and
    the tables `joins` joins for them, each with its condition): more of each one
    (infra/db/queries/dashboard.py)."""
    values = {"tenant_id": tenant_id, "size": first + 1, **(parameters or {})}
    given = {name: getattr(where, name) for name in _FILTERS}
    values |= {name: value for name, value in given.items() if value is not None}
    position = decode_cursor(after, (int,))
    if position is not None:
        values["after_id"] = position[0]
    filters = tuple(name for name in _FILTERS if given[name] is not None)
    statement = _opportunity_page(filters, position is not None, tuple(with_columns), tuple(joins))
    rows = await driver_rows(db, statement, values)
    page = rows[:first]
    return Page(page, Cursors([(r.id,) for r in page]), len(rows) > first)


async def campaign_tree(db: AsyncConnection, tenant_id: int, campaign_id: int) -> list[int]:
    """The campaign and every sub-campaign under it (three levels at most)."""
    found, level = [campaign_id], [campaign_id]
    while level:
        level = list(
            (
                await db.execute(
                    select(f.campaign.c.id).where(
                        f.campaign.c.tenant_id == tenant_id, f.campaign.c.parent_id.in_(level)
                    )
                )
            ).scalars()
        )
        found += level
    return found


async def campaign_progress(
    db: AsyncConnection, tenant_id: int, campaign_ids: list[int], now: datetime
) -> dict[str, int]:
    """Target, Asked, Received, Pledged and Reserved summed over the campaigns' opportunities."""
    of_campaigns = select(o.id).where(o.tenant_id == tenant_id, o.campaign_id.in_(campaign_ids))
    target, asked = (
        await db.execute(
            select(func.coalesce(func.sum(o.target), 0), func.coalesce(func.sum(o.asked), 0)).where(
                o.tenant_id == tenant_id, o.campaign_id.in_(campaign_ids)
            )
        )
    ).one()
    i, p, r = s.order_item.c, f.pledge.c, s.reservation.c
    one = literal(1)
    received = (
        await db.execute(
            received_by(one).where(i.tenant_id == tenant_id, i.opportunity_id.in_(of_campaigns))
        )
    ).first()
    pledged = (
        await db.execute(
            pledged_by(one).where(p.tenant_id == tenant_id, p.opportunity_id.in_(of_campaigns))
        )
    ).first()
    reserved = (
        await db.execute(
            reserved_by(one, now).where(
                r.tenant_id == tenant_id, r.opportunity_id.in_(of_campaigns)
            )
        )
    ).first()
    return {
        "target": int(target),
        "asked": int(asked),
        "received": int(received[1]) if received else 0,
        "pledged": max(0, int(pledged[1])) if pledged else 0,
        "reserved": int(reserved[1]) if reserved else 0,
    }


async def rows_by(
    db: AsyncConnection,
    tenant_id: int,
    table: Table,
    column: str,
    keys: list[int],
    order: Any = None,
) -> dict[int, list[Any]]:
    """Rows of `table` whose `column` is one of `keys`, grouped by it."""
    statement = select(table).where(table.c.tenant_id == tenant_id, table.c[column].in_(keys))
    if order is not None:
        statement = statement.order_by(*order)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in await db.execute(statement):
        grouped[getattr(row, column)].append(row)
    return grouped


async def given_by_instalment(
    db: AsyncConnection, tenant_id: int, instalment_ids: list[int]
) -> dict[int, int]:
    pay = f.instalment_payment.c
    rows = await db.execute(
        select(pay.instalment_id, func.sum(pay.amount))
        .where(pay.tenant_id == tenant_id, pay.instalment_id.in_(instalment_ids))
        .group_by(pay.instalment_id)
    )
    return {key: int(total) for key, total in rows}


async def given_by_legacy(
    db: AsyncConnection, tenant_id: int, legacy_ids: list[int]
) -> dict[int, int]:
    r = f.legacy_receipt.c
    rows = await db.execute(
        select(r.legacy_id, func.sum(r.amount))
        .where(r.tenant_id == tenant_id, r.legacy_id.in_(legacy_ids))
        .group_by(r.legacy_id)
    )
    return {key: int(total) for key, total in rows}
