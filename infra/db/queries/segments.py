"""Reading segments and lists, and evaluating criteria: count, a page of members, a
breakdown. Each evaluation is one statement."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.segments import criteria as k
from domain.segments.breakdown import BreakdownBy, Bucket
from infra.db import insights_tables as n
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.segments.breakdown_sql import breakdown_select, bucket_from_row
from infra.segments.criteria_sql import Evaluation, members_condition
from infra.segments.members import criteria_select
from infra.segments.rfm_sql import bands_of_async

g, person = n.segment.c, t.customer.c


async def evaluation(db: AsyncConnection, tenant_id: int, today: date) -> Evaluation:
    return Evaluation(tenant_id, today, await bands_of_async(db, tenant_id))


async def segment_row(db: AsyncConnection, tenant_id: int, pk: int) -> Any | None:
    return (await db.execute(select(n.segment).where(g.tenant_id == tenant_id, g.id == pk))).first()


async def segments_page(
    db: AsyncConnection,
    tenant_id: int,
    owner: tuple[str, int | None] | None,
    first: int,
    after: str | None,
) -> Page[Any]:
    """Shared segments and those of `owner` (every one without), newest first."""
    statement = select(n.segment).where(g.tenant_id == tenant_id)
    if owner is not None:
        statement = statement.where(
            or_(g.shared.is_(True), (g.owner_kind == owner[0]) & (g.owner_id == owner[1]))
        )
    position = decode_cursor(after, (int,))
    if position is not None:
        statement = statement.where(g.id < position[0])
    rows = list((await db.execute(statement.order_by(g.id.desc()).limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.id,)) for r in page], len(rows) > first)


async def member_count(db: AsyncConnection, root: k.Criterion, at: Evaluation) -> int:
    members = criteria_select(root, at).subquery("members")
    return int((await db.execute(select(func.count()).select_from(members))).scalar_one())


async def members_page(
    db: AsyncConnection, root: k.Criterion, at: Evaluation, first: int, after: str | None
) -> Page[Any]:
    """Members as customer rows in listing order (surname, then id)."""
    statement = select(t.customer).where(members_condition(root, at))
    position = decode_cursor(after, (str, int))
    if position is not None:
        sort_key, pk = position
        statement = statement.where(
            or_(person.sort_key > sort_key, (person.sort_key == sort_key) & (person.id > pk))
        )
    statement = statement.order_by(person.sort_key, person.id).limit(first + 1)
    rows = list((await db.execute(statement)).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.sort_key, r.id)) for r in page], len(rows) > first)


async def breakdown(
    db: AsyncConnection,
    root: k.Criterion,
    at: Evaluation,
    by: BreakdownBy,
    preference_id: int | None = None,
) -> list[Bucket]:
    rows = await db.execute(breakdown_select(root, at, by, preference_id))
    return [bucket_from_row(row) for row in rows]


async def customer_list_row(db: AsyncConnection, tenant_id: int, pk: int) -> Any | None:
    cl = n.customer_list.c
    return (
        await db.execute(select(n.customer_list).where(cl.tenant_id == tenant_id, cl.id == pk))
    ).first()
