"""Reading mailings: pages of mailings and of their deliveries, runs by mailing, the counts
of a run, and what a preview needs of one customer."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from infra.db import mailing_tables as m
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.mailing_sending import counts_statement, memberships, next_bookings

x, r, d = m.mailing.c, m.mailing_run.c, m.mailing_delivery.c


async def _page(
    db: AsyncConnection, statement: Any, key: Any, first: int, after: str | None
) -> Page[Any]:
    """Newest first by id."""
    position = decode_cursor(after, (int,))
    if position is not None:
        statement = statement.where(key < position[0])
    rows = list((await db.execute(statement.order_by(key.desc()).limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((row.id,)) for row in page], len(rows) > first)


async def mailing_page(
    db: AsyncConnection, tenant_id: int, first: int, after: str | None
) -> Page[Any]:
    return await _page(db, select(m.mailing).where(x.tenant_id == tenant_id), x.id, first, after)


async def delivery_page(
    db: AsyncConnection,
    tenant_id: int,
    mailing_id: int,
    statuses: list[str] | None,
    first: int,
    after: str | None,
) -> Page[Any]:
    statement = select(m.mailing_delivery).where(
        d.tenant_id == tenant_id, d.mailing_id == mailing_id
    )
    if statuses:
        statement = statement.where(d.status.in_(statuses))
    return await _page(db, statement, d.id, first, after)


async def runs_by_mailing(
    db: AsyncConnection, tenant_id: int, mailing_ids: list[int]
) -> dict[int, list[Any]]:
    rows = await db.execute(
        select(m.mailing_run)
        .where(r.tenant_id == tenant_id, r.mailing_id.in_(mailing_ids))
        .order_by(r.id.desc())
    )
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.mailing_id].append(row)
    return found


async def counts_by_run(
    db: AsyncConnection, tenant_id: int, run_ids: list[int]
) -> dict[int, dict[str, int]]:
    rows = await db.execute(
        select(d.run_id, d.status, func.count())
        .where(d.tenant_id == tenant_id, d.run_id.in_(run_ids))
        .group_by(d.run_id, d.status)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for run_id, status, count in rows:
        found[run_id][status] = count
    return found


async def run_counts_of_job(db: AsyncConnection, tenant_id: int, job_id: int) -> dict[str, int]:
    run = await db.scalar(select(r.id).where(r.tenant_id == tenant_id, r.job_id == job_id))
    if run is None:
        return {}
    rows = await db.execute(counts_statement(run))
    return {status: count for status, count in rows.all()}


def preview_recipient(
    db: Connection, tenant_id: int, customer_id: int, now: datetime
) -> tuple[Any, Any, Any, str | None] | None:
    """The customer, their current membership, next booking and first address; None when
    the customer is not of this organisation."""
    c, e = t.customer.c, t.customer_email.c
    customer = db.execute(
        select(t.customer).where(c.id == customer_id, c.tenant_id == tenant_id)
    ).first()
    if customer is None:
        return None
    address = db.execute(
        select(e.address).where(e.customer_id == customer_id).order_by(e.position, e.id).limit(1)
    ).scalar()
    membership = memberships(db, tenant_id, [customer_id], now.date()).get(customer_id)
    booking = next_bookings(db, tenant_id, [customer_id], now).get(customer_id)
    return customer, membership, booking, address
