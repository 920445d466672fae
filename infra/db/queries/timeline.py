"""A customer's timeline, newest first, a keyset page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.timeline import TimelineCriteria, TimelineEntryType
from infra.db import tables as t
from infra.db.keyset import Page, decode_cursor, encode_cursor
from infra.db.moment import UtcDateTime
from infra.db.tables import Id

e = t.timeline_entry.c


async def timeline_page(
    db: AsyncConnection,
    tenant_id: int,
    criteria: TimelineCriteria,
    readable: frozenset[TimelineEntryType],
    first: int,
    after: str | None,
) -> Page[Any]:
    """A page of the entries matching `criteria` that the caller may read: filtered here,
    so every page is full and every cursor counts only what the caller sees. Ties on
    `occurred_at` are broken by id, so a page boundary inside them loses and repeats
    nothing."""
    statement = (
        select(t.timeline_entry)
        .where(e.tenant_id == tenant_id, e.customer_id == criteria.customer_id)
        .order_by(e.occurred_at.desc(), e.id.desc())
    )
    wanted = readable.intersection(criteria.types) if criteria.types else readable
    if wanted != frozenset(TimelineEntryType):
        statement = statement.where(e.type.in_(sorted(kind.value for kind in wanted)))
    if criteria.opportunity_id is not None:
        statement = statement.where(e.opportunity_id == criteria.opportunity_id)
    if criteria.occurred_from is not None:
        statement = statement.where(e.occurred_at >= criteria.occurred_from)
    if criteria.occurred_before is not None:
        statement = statement.where(e.occurred_at < criteria.occurred_before)
    position = decode_cursor(after, (datetime, int))
    if position is not None:
        statement = statement.where(
            tuple_(e.occurred_at, e.id)
            < tuple_(literal(position[0], UtcDateTime()), literal(position[1], Id))
        )
    rows = list((await db.execute(statement.limit(first + 1))).all())
    page = rows[:first]
    return Page(page, [encode_cursor((r.occurred_at, r.id)) for r in page], len(rows) > first)
