"""Reading segments and lists, and evaluating criteria: count, a page of members, a
breakdown. Each evaluation is one statement; a list's members are one statement too."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.segments import criteria as k
from domain.segments.breakdown import BreakdownBy, Bucket
from infra.db import insights_tables as n
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.queries.erased import not_erased
from infra.segments.breakdown_sql import breakdown_select, bucket_from_row
from infra.segments.criteria_sql import Evaluation, members_condition
from infra.segments.members import criteria_select
from infra.segments.rfm_sql import bands_of_async

g, cl, person = n.segment.c, n.customer_list.c, t.customer.c


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
    return await _newest_first(
        db, n.segment, (g.owner_kind, g.owner_id), tenant_id, owner, first, after
    )


async def customer_lists_page(
    db: AsyncConnection,
    tenant_id: int,
    owner: tuple[str, int | None] | None,
    first: int,
    after: str | None,
) -> Page[Any]:
    """Shared lists and those `owner` froze (every one without), newest first."""
    columns = (cl.created_by_kind, cl.created_by_id)
    return await _newest_first(db, n.customer_list, columns, tenant_id, owner, first, after)


async def _newest_first(
    db: AsyncConnection,
    table: Table,
    owner_columns: tuple[Any, Any],
    tenant_id: int,
    owner: tuple[str, int | None] | None,
    first: int,
    after: str | None,
) -> Page[Any]:
    c = table.c
    statement = select(table).where(c.tenant_id == tenant_id)
    if owner is not None:
        kind, pk = owner_columns
        statement = statement.where(or_(c.shared.is_(True), (kind == owner[0]) & (pk == owner[1])))
    position = decode_cursor(after, (int,))
    if position is not None:
        statement = statement.where(c.id < position[0])
    rows = list((await db.execute(statement.order_by(c.id.desc()).limit(first + 1))).all())
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
    return await _customers_page(db, statement, first, after)


async def list_members_page(
    db: AsyncConnection, tenant_id: int, list_id: int, first: int, after: str | None
) -> Page[Any]:
    """A frozen list's members as customer rows in listing order; those erased since it was
    frozen are in no listing (infra/db/queries/erased.py)."""
    lm = n.customer_list_member.c
    statement = (
        select(t.customer)
        .join(n.customer_list_member, lm.customer_id == person.id)
        .where(lm.tenant_id == tenant_id, lm.list_id == list_id, person.tenant_id == tenant_id)
        .where(not_erased(person.id))
    )
    return await _customers_page(db, statement, first, after)


async def _customers_page(
    db: AsyncConnection, statement: Select[Any], first: int, after: str | None
) -> Page[Any]:
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
    return (
        await db.execute(select(n.customer_list).where(cl.tenant_id == tenant_id, cl.id == pk))
    ).first()
